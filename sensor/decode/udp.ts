import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto } from './proto.js';
import { u16 } from './bytes.js';

export const UDP_HDR = 8;
export const PORT_VXLAN = 4789;
export const PORT_GENEVE = 6081;
export const PORT_TEREDO = 3544;

/**
 * UDP (RFC 768). The length field must cover the header and fit in the IP payload; a frame
 * cut by the snap length keeps what was captured. Encapsulations are recognised by port
 * like Suricata (VXLAN and Geneve by destination port, Teredo by either port plus a check
 * of the inner IPv6 header).
 */
export function decodeUdp(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.l3End;
  if (end - off < UDP_HDR) {
    p.event(Ev.UDP_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  const ulen = u16(d, off + 4);
  if (ulen < UDP_HDR) {
    p.event(Ev.UDP_HLEN_TOO_SMALL);
    return Proto.INVALID;
  }
  let payEnd = off + ulen;
  if (payEnd > end) {
    if (p.frameEnd - p.frameOff < p.wireLen && !p.reassembled) payEnd = end;
    else {
      p.event(Ev.UDP_HLEN_INVALID);
      return Proto.INVALID;
    }
  }
  p.l4Off = off;
  p.l4HdrLen = UDP_HDR;
  p.sport = u16(d, off);
  p.dport = u16(d, off + 2);
  p.udpLen = ulen;
  p.payOff = off + UDP_HDR;
  p.payLen = payEnd - (off + UDP_HDR);
  p.next = off + UDP_HDR;
  if (p.dport === PORT_VXLAN) return Proto.VXLAN;
  if (p.dport === PORT_GENEVE) return Proto.GENEVE;
  if (p.sport === PORT_TEREDO || p.dport === PORT_TEREDO) return Proto.TEREDO;
  return Proto.DONE;
}

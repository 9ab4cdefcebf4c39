import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto, etherTypeToProto } from './proto.js';
import { u16 } from './bytes.js';

/** Ethernet II (IEEE 802.3 frames with a length instead of an EtherType carry LLC: not decoded). */
export const ETH_HDR = 14;

export function decodeEthernet(p: Packet, off: number, end: number): number {
  if (end - off < ETH_HDR) {
    p.event(Ev.ETHERNET_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  if (p.l2Off < 0) p.l2Off = off;
  const type = u16(p.data, off + 12);
  p.next = off + ETH_HDR;
  if (type < 0x0600) return Proto.DONE; // 802.3 length field: LLC/SNAP (STP, CDP, ...)
  const next = etherTypeToProto(type);
  return next === 0 ? Proto.DONE : next;
}

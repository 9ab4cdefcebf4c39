import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto } from './proto.js';
import { u32 } from './bytes.js';

const LABEL_IPV4_EXPLICIT_NULL = 0;
const LABEL_ROUTER_ALERT = 1;
const LABEL_IPV6_EXPLICIT_NULL = 2;
const LABEL_IMPLICIT_NULL = 3;
const LABEL_MAX_RESERVED = 15;

/**
 * MPLS label stack (RFC 3032). After the bottom-of-stack entry the payload type is not
 * signalled: like Suricata we use the explicit-null labels, else the first nibble
 * (4 = IPv4, 6 = IPv6, 0 = pseudowire control word followed by Ethernet, RFC 4385).
 */
export function decodeMpls(p: Packet, off: number, end: number): number {
  const d = p.data;
  let o = off;
  let label = 0;
  for (;;) {
    if (end - o < 4) {
      p.event(Ev.MPLS_HEADER_TOO_SMALL);
      return Proto.INVALID;
    }
    const entry = u32(d, o);
    label = entry >>> 12;
    o += 4;
    p.mplsCount++;
    if (label === LABEL_ROUTER_ALERT) p.event(Ev.MPLS_BAD_LABEL_ROUTER_ALERT);
    else if (label === LABEL_IMPLICIT_NULL) p.event(Ev.MPLS_BAD_LABEL_IMPLICIT_NULL);
    else if (label > LABEL_IPV6_EXPLICIT_NULL && label <= LABEL_MAX_RESERVED) p.event(Ev.MPLS_BAD_LABEL_RESERVED);
    if (entry & 0x100) break; // bottom of stack
    if (p.mplsCount > 16) {
      p.event(Ev.TOO_MANY_LAYERS);
      return Proto.INVALID;
    }
  }
  p.next = o;
  if (label === LABEL_IPV4_EXPLICIT_NULL) return Proto.IPV4;
  if (label === LABEL_IPV6_EXPLICIT_NULL) return Proto.IPV6;
  if (end - o < 1) {
    p.event(Ev.MPLS_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  switch (d[o] >> 4) {
    case 4: return Proto.IPV4;
    case 6: return Proto.IPV6;
    case 0:
      // Pseudowire control word (4 bytes), then an Ethernet frame.
      if (end - o < 4 + 14) {
        p.event(Ev.MPLS_PKT_TOO_SMALL);
        return Proto.INVALID;
      }
      p.next = o + 4;
      return Proto.ETHERNET;
    default:
      p.event(Ev.MPLS_UNKNOWN_PAYLOAD_TYPE);
      return Proto.DONE;
  }
}

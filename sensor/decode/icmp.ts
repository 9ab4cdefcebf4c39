import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto } from './proto.js';
import { u16 } from './bytes.js';

export const ICMP_HDR = 8;

// Highest valid code per ICMPv4 type (RFC 792, 950, 1256, 1393, 1812), -1 = unknown type.
const V4_MAX_CODE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  t[0] = 0; t[3] = 15; t[4] = 0; t[5] = 3; t[8] = 0; t[9] = 16; t[10] = 0; t[11] = 1; t[12] = 2;
  t[13] = 0; t[14] = 0; t[15] = 0; t[16] = 0; t[17] = 0; t[18] = 0;
  return t;
})();

/** ICMPv4 (RFC 792): type/code, echo-style id/seq, and the quoted header of error messages. */
export function decodeIcmpv4(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.l3End;
  if (end - off < ICMP_HDR) {
    p.event(Ev.ICMPV4_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  const type = d[off], code = d[off + 1];
  p.l4Off = off;
  p.l4HdrLen = ICMP_HDR;
  p.icmpType = type;
  p.icmpCode = code;
  const max = V4_MAX_CODE[type];
  if (max < 0) p.event(Ev.ICMPV4_UNKNOWN_TYPE);
  else if (code > max) p.event(Ev.ICMPV4_UNKNOWN_CODE);
  switch (type) {
    case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
      p.icmpId = u16(d, off + 4);
      p.icmpSeq = u16(d, off + 6);
      break;
    case 3: case 4: case 5: case 11: case 12:
      if (end - (off + 8) < 20) p.event(Ev.ICMPV4_IPV4_TRUNC_PKT);
      else if (d[off + 8] >> 4 !== 4) p.event(Ev.ICMPV4_IPV4_UNKNOWN_VER);
      else p.icmpInnerOff = off + 8;
      break;
  }
  p.payOff = off + ICMP_HDR;
  p.payLen = end - (off + ICMP_HDR);
  return Proto.DONE;
}

/** ICMPv6 (RFC 4443, 4861, 3810). */
export function decodeIcmpv6(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.l3End;
  if (end - off < 4) {
    p.event(Ev.ICMPV6_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  const type = d[off], code = d[off + 1];
  p.l4Off = off;
  p.l4HdrLen = Math.min(ICMP_HDR, end - off);
  p.icmpType = type;
  p.icmpCode = code;
  switch (type) {
    case 1: if (code > 8) p.event(Ev.ICMPV6_UNKNOWN_CODE); quoted(p, off, end); break;
    case 2: case 4: if (code > (type === 4 ? 3 : 0)) p.event(Ev.ICMPV6_UNKNOWN_CODE); quoted(p, off, end); break;
    case 3: if (code > 1) p.event(Ev.ICMPV6_UNKNOWN_CODE); quoted(p, off, end); break;
    case 128: case 129:
      if (code !== 0) p.event(Ev.ICMPV6_UNKNOWN_CODE);
      if (end - off >= 8) {
        p.icmpId = u16(d, off + 4);
        p.icmpSeq = u16(d, off + 6);
      } else p.event(Ev.ICMPV6_PKT_TOO_SMALL);
      break;
    case 130: case 131: case 132: case 143:
      // MLD must be link-local with hop limit 1 (RFC 2710 §3, RFC 3810 §5).
      if (p.ttl !== 1) p.event(Ev.ICMPV6_MLD_MESSAGE_WITH_INVALID_HL);
      break;
    case 100: case 101: case 200: case 201:
      p.event(Ev.ICMPV6_EXPERIMENTATION_TYPE);
      break;
    default:
      if ((type >= 133 && type <= 142) || (type >= 144 && type <= 161)) break;
      p.event(Ev.ICMPV6_UNASSIGNED_TYPE);
  }
  p.payOff = Math.min(off + ICMP_HDR, end);
  p.payLen = end - p.payOff;
  return Proto.DONE;
}

function quoted(p: Packet, off: number, end: number): void {
  if (end - (off + 8) < 40) p.event(Ev.ICMPV6_IPV6_TRUNC_PKT);
  else if (p.data[off + 8] >> 4 !== 6) p.event(Ev.ICMPV6_IPV6_UNKNOWN_VER);
  else p.icmpInnerOff = off + 8;
}

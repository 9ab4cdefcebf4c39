import { Ev } from './events.js';
import { IpOpt, type Packet } from './packet.js';
import { Proto } from './proto.js';
import { u16, u32 } from './bytes.js';

/** IPv4 header field offsets (RFC 791). */
const F = { VER_IHL: 0, TOS: 1, TOTAL_LEN: 2, ID: 4, FLAGS_FRAG: 6, TTL: 8, PROTO: 9, SRC: 12, DST: 16 } as const;
export const IPV4_MIN_HDR = 20;

/**
 * IPv4. Sets addresses (mapped into the 16-byte form), TTL, id, fragment fields, options.
 * The datagram ends at the total-length field (Ethernet padding is not payload). A frame cut
 * by the capture's snap length is decoded as far as it goes (capture.truncated), like tshark;
 * a datagram longer than a complete frame is the malformation decoder.ipv4.trunc_pkt.
 */
export function decodeIpv4(p: Packet, off: number, end: number): number {
  const d = p.data;
  if (end - off < IPV4_MIN_HDR) {
    p.event(Ev.IPV4_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  if (d[off] >> 4 !== 4) {
    p.event(Ev.IPV4_WRONG_IP_VER);
    return Proto.INVALID;
  }
  const hlen = (d[off] & 0x0f) << 2;
  if (hlen < IPV4_MIN_HDR) {
    p.event(Ev.IPV4_HLEN_TOO_SMALL);
    return Proto.INVALID;
  }
  const total = u16(d, off + F.TOTAL_LEN);
  if (total < hlen) {
    p.event(Ev.IPV4_IPLEN_SMALLER_THAN_HLEN);
    return Proto.INVALID;
  }
  let l3End = off + total;
  if (l3End > end) {
    if (p.frameEnd - p.frameOff < p.wireLen && !p.reassembled) {
      p.event(Ev.CAPTURE_TRUNCATED);
      l3End = end;
    } else {
      p.event(Ev.IPV4_TRUNC_PKT);
      return Proto.INVALID;
    }
  }
  if (off + hlen > l3End) {
    p.event(Ev.IPV4_TRUNC_PKT);
    return Proto.INVALID;
  }
  p.ipVersion = 4;
  p.l3Off = off;
  p.ipHdrLen = hlen;
  p.l3End = l3End;
  p.tos = d[off + F.TOS];
  p.ipId = u16(d, off + F.ID);
  const ff = u16(d, off + F.FLAGS_FRAG);
  p.rf = (ff & 0x8000) !== 0;
  p.df = (ff & 0x4000) !== 0;
  p.mf = (ff & 0x2000) !== 0;
  p.fragOffset = (ff & 0x1fff) << 3;
  p.ttl = d[off + F.TTL];
  const proto = d[off + F.PROTO];
  p.proto = proto;
  const src = p.src, dst = p.dst;
  src[0] = 0; src[1] = 0; src[2] = 0xffff; src[3] = u32(d, off + F.SRC);
  dst[0] = 0; dst[1] = 0; dst[2] = 0xffff; dst[3] = u32(d, off + F.DST);
  if (hlen > IPV4_MIN_HDR) decodeOptions(p, off + IPV4_MIN_HDR, off + hlen);
  const l4 = off + hlen;
  p.l4Off = l4;
  p.payOff = l4;
  p.payLen = l3End - l4;
  p.next = l4;
  if (p.mf || p.fragOffset !== 0) {
    p.isFragment = true;
    return Proto.FRAGMENT;
  }
  return ipProtoToLayer(p, proto, l4, true);
}

/**
 * The layer for an IP protocol number, shared by IPv4 and the end of the IPv6 header chain.
 * IP-in-IP (4, 41) is a tunnel: the outer packet is complete here.
 */
export function ipProtoToLayer(p: Packet, proto: number, l4: number, v4: boolean): number {
  switch (proto) {
    case 6: return Proto.TCP;
    case 17: return Proto.UDP;
    case 1:
      if (!v4) p.event(Ev.IPV6_WITH_ICMPV4);
      return Proto.ICMPV4;
    case 58:
      if (v4) p.event(Ev.IPV4_WITH_ICMPV6);
      return Proto.ICMPV6;
    case 47: return Proto.GRE;
    case 4:
      p.innerOff = l4;
      p.innerProto = Proto.IPV4;
      return Proto.TUNNEL;
    case 41:
      p.innerOff = l4;
      p.innerProto = Proto.IPV6;
      return Proto.TUNNEL;
    default:
      return Proto.OTHER_L4;
  }
}

// Option types (RFC 791, 1108, 2113, IANA).
const OPT_EOL = 0, OPT_NOP = 1, OPT_RR = 7, OPT_QS = 25, OPT_TS = 68, OPT_SEC = 130, OPT_LSRR = 131,
  OPT_ESEC = 133, OPT_CIPSO = 134, OPT_SID = 136, OPT_SSRR = 137, OPT_RTRALT = 148;

/** Walks the options like Suricata's DecodeIPV4Options: counts malformations, records presence bits. */
function decodeOptions(p: Packet, off: number, end: number): void {
  const d = p.data;
  let o = off;
  let seen = 0;
  while (o < end) {
    const type = d[o];
    if (type === OPT_EOL) {
      p.ipOpts |= IpOpt.EOL;
      return;
    }
    if (type === OPT_NOP) {
      p.ipOpts |= IpOpt.NOP;
      o++;
      continue;
    }
    if (o + 2 > end) {
      p.event(Ev.IPV4_OPT_MALFORMED);
      return;
    }
    const len = d[o + 1];
    if (len < 2 || o + len > end) {
      p.event(Ev.IPV4_OPT_INVALID_LEN);
      return;
    }
    let bit = 0;
    let minLen = 2;
    switch (type) {
      case OPT_RR: bit = IpOpt.RR; minLen = 3; break;
      case OPT_TS: bit = IpOpt.TS; minLen = 4; break;
      case OPT_SEC: bit = IpOpt.SEC; minLen = 11; break;
      case OPT_ESEC: bit = IpOpt.ESEC; minLen = 3; break;
      case OPT_LSRR: bit = IpOpt.LSRR; minLen = 3; break;
      case OPT_SSRR: bit = IpOpt.SSRR; minLen = 3; break;
      case OPT_SID: bit = IpOpt.SID; minLen = 4; break;
      case OPT_CIPSO: bit = IpOpt.CIPSO; minLen = 10; break;
      case OPT_RTRALT: bit = IpOpt.RTRALT; minLen = 4; break;
      case OPT_QS: minLen = 8; break;
      default:
        p.event(Ev.IPV4_OPT_UNKNOWN);
    }
    if (bit !== 0) {
      if (len < minLen) {
        p.event(Ev.IPV4_OPT_INVALID_LEN);
        return;
      }
      if ((type === OPT_RR || type === OPT_LSRR || type === OPT_SSRR) && (len - 3) % 4 !== 0) {
        p.event(Ev.IPV4_OPT_MALFORMED);
        return;
      }
      if (seen & bit) p.event(Ev.IPV4_OPT_DUPLICATE);
      seen |= bit;
      p.ipOpts |= bit;
    }
    o += len;
  }
}

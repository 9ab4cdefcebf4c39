import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto } from './proto.js';
import { u16 } from './bytes.js';

/**
 * Encapsulations. Each validates its header and, when it is one, sets p.innerOff and
 * p.innerProto and returns TUNNEL: the outer packet is complete at this point (it is
 * flow-tracked as a UDP/GRE/IP flow of its own), then the worker decodes the inner layer
 * with tunnelDepth + 1, like Suricata's tunnel pseudo-packets.
 */

/** GRE (RFC 2784/2890 version 0; RFC 2637 enhanced GRE version 1 for PPTP). */
export function decodeGre(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.l3End;
  if (end - off < 4) {
    p.event(Ev.GRE_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  const f0 = d[off], f1 = d[off + 1];
  const version = f1 & 0x07;
  const C = (f0 & 0x80) !== 0, R = (f0 & 0x40) !== 0, K = (f0 & 0x20) !== 0, S = (f0 & 0x10) !== 0;
  const proto = u16(d, off + 2);
  p.l4Off = off;
  let hlen = 4;
  if (version === 0) {
    if (f0 & 0x07) { p.event(Ev.GRE_VERSION0_RECUR); return Proto.INVALID; }
    if (f1 & 0xf8) { p.event(Ev.GRE_VERSION0_FLAGS); return Proto.INVALID; }
    if (C || R) hlen += 4;
    if (K) hlen += 4;
    if (S) hlen += 4;
    if (off + hlen > end) { p.event(Ev.GRE_VERSION0_HDR_TOO_BIG); return Proto.INVALID; }
    if (R) {
      // Source route entries (RFC 1701) until a NULL entry.
      let o = off + hlen;
      for (;;) {
        if (o + 4 > end) { p.event(Ev.GRE_VERSION0_MALFORMED_SRE_HDR); return Proto.INVALID; }
        const sreLen = d[o + 3];
        o += 4;
        if (u16(d, o - 4) === 0 && sreLen === 0) break;
        o += sreLen;
      }
      hlen = o - off;
    }
  } else if (version === 1) {
    if (C) { p.event(Ev.GRE_VERSION1_CHKSUM); return Proto.INVALID; }
    if (R) { p.event(Ev.GRE_VERSION1_ROUTE); return Proto.INVALID; }
    if (f0 & 0x08) { p.event(Ev.GRE_VERSION1_SSR); return Proto.INVALID; }
    if (f0 & 0x07) { p.event(Ev.GRE_VERSION1_RECUR); return Proto.INVALID; }
    if (f1 & 0x78) { p.event(Ev.GRE_VERSION1_FLAGS); return Proto.INVALID; }
    if (!K) { p.event(Ev.GRE_VERSION1_NO_KEY); return Proto.INVALID; }
    if (proto !== 0x880b) { p.event(Ev.GRE_VERSION1_WRONG_PROTOCOL); return Proto.INVALID; }
    hlen = 8;
    if (S) hlen += 4;
    if (f1 & 0x80) hlen += 4; // acknowledgment number present
    if (off + hlen > end) { p.event(Ev.GRE_VERSION1_HDR_TOO_BIG); return Proto.INVALID; }
  } else {
    p.event(Ev.GRE_WRONG_VERSION);
    return Proto.INVALID;
  }
  p.l4HdrLen = hlen;
  const inner = off + hlen;
  p.payOff = inner;
  p.payLen = end - inner;
  let innerProto = 0;
  let innerOff = inner;
  switch (proto) {
    case 0x0800: innerProto = Proto.IPV4; break;
    case 0x86dd: innerProto = Proto.IPV6; break;
    case 0x6558: innerProto = Proto.ETHERNET; break; // transparent Ethernet bridging
    case 0x880b: innerProto = Proto.PPP; break;
    case 0x88be: // ERSPAN type II: 8-byte header when the sequence bit is set (type I has none)
      innerProto = Proto.ETHERNET;
      if (S) innerOff += 8;
      break;
    case 0x22eb: // ERSPAN type III: 12 bytes, +8 with the platform-specific subheader (O bit)
      innerProto = Proto.ETHERNET;
      innerOff += 12;
      if (innerOff <= end && (d[innerOff - 1] & 0x01)) innerOff += 8;
      break;
  }
  if (innerProto === 0 || innerOff >= end) return Proto.DONE;
  p.innerOff = innerOff;
  p.innerProto = innerProto;
  return Proto.TUNNEL;
}

/** VXLAN (RFC 7348): 8-byte header with the I flag, then an Ethernet frame. */
export function decodeVxlan(p: Packet, off: number, _end: number): number {
  const end = p.l3End;
  if (end - off < 8 + 14) return Proto.DONE; // too short to carry a frame: plain UDP
  if ((p.data[off] & 0x08) === 0) {
    p.event(Ev.VXLAN_UNKNOWN_PAYLOAD_TYPE);
    return Proto.DONE;
  }
  p.innerOff = off + 8;
  p.innerProto = Proto.ETHERNET;
  return Proto.TUNNEL;
}

/** Geneve (RFC 8926): 8 bytes + options, protocol type as an EtherType. */
export function decodeGeneve(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.l3End;
  if (end - off < 8) return Proto.DONE;
  if (d[off] >> 6 !== 0) return Proto.DONE; // unknown version: leave it as UDP
  const hlen = 8 + ((d[off] & 0x3f) << 2);
  if (off + hlen >= end) return Proto.DONE;
  const type = u16(d, off + 2);
  let inner = 0;
  if (type === 0x6558) inner = Proto.ETHERNET;
  else if (type === 0x0800) inner = Proto.IPV4;
  else if (type === 0x86dd) inner = Proto.IPV6;
  else {
    p.event(Ev.GENEVE_UNKNOWN_PAYLOAD_TYPE);
    return Proto.DONE;
  }
  p.innerOff = off + hlen;
  p.innerProto = inner;
  return Proto.TUNNEL;
}

/**
 * Teredo (RFC 4380): optional authentication (0x0001) and origin indication (0x0000)
 * headers, then IPv6. Like Suricata, only a payload whose IPv6 payload length matches the
 * datagram exactly is taken as Teredo; anything else stays plain UDP.
 */
export function decodeTeredo(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.payOff + p.payLen;
  let o = off;
  if (end - o >= 4 && d[o] === 0 && d[o + 1] === 1) {
    const idLen = d[o + 2], auLen = d[o + 3];
    o += 4 + idLen + auLen + 8 + 1; // nonce (8) + confirmation (1)
  }
  if (end - o >= 8 && d[o] === 0 && d[o + 1] === 0) o += 8; // origin indication
  if (end - o < 40 || d[o] >> 4 !== 6) return Proto.DONE;
  const plen = u16(d, o + 4);
  if (o + 40 + plen !== end) return Proto.DONE;
  const nh = d[o + 6];
  // Suricata also requires a plausible next header for a payload-free packet (bubbles).
  if (plen === 0 && nh !== 59) return Proto.DONE;
  p.innerOff = o;
  p.innerProto = Proto.IPV6;
  return Proto.TUNNEL;
}

import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto, etherTypeToProto } from './proto.js';
import { u16, u32, u32le } from './bytes.js';

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL): 16-byte header, protocol last. */
export function decodeSll(p: Packet, off: number, end: number): number {
  if (end - off < 16) {
    p.event(Ev.SLL_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  p.l2Off = off;
  p.next = off + 16;
  return protoFromEtherType(u16(p.data, off + 14));
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2): 20-byte header, protocol first. */
export function decodeSll2(p: Packet, off: number, end: number): number {
  if (end - off < 20) {
    p.event(Ev.SLL_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  p.l2Off = off;
  p.next = off + 20;
  return protoFromEtherType(u16(p.data, off));
}

function protoFromEtherType(t: number): number {
  const next = etherTypeToProto(t);
  return next === 0 ? Proto.DONE : next;
}

// Address families seen in BSD loopback headers: AF_INET is 2 everywhere; AF_INET6 is 24
// (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS) and 10 (Linux).
function afToProto(af: number): number {
  if (af === 2) return Proto.IPV4;
  if (af === 24 || af === 28 || af === 30 || af === 10) return Proto.IPV6;
  return 0;
}

/**
 * BSD loopback (LINKTYPE_NULL): 4-byte address family in the writer's byte order, which
 * we do not know here; a family is a small number, so the order whose value is small wins.
 */
export function decodeNull(p: Packet, off: number, end: number, networkOrder: boolean): number {
  if (end - off < 4) {
    p.event(Ev.NULL_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  let af = networkOrder ? u32(p.data, off) : u32le(p.data, off);
  if (af > 0xffff) af = networkOrder ? u32le(p.data, off) : u32(p.data, off);
  p.next = off + 4;
  const next = afToProto(af);
  if (next === 0) {
    p.event(Ev.NULL_UNSUPPORTED_TYPE);
    return Proto.DONE;
  }
  return next;
}

/** Raw IP (LINKTYPE_RAW): the version nibble decides. */
export function decodeRaw(p: Packet, off: number, end: number): number {
  if (end - off < 1) {
    p.event(Ev.IPRAW_INVALID_IPV);
    return Proto.INVALID;
  }
  p.next = off;
  const v = p.data[off] >> 4;
  if (v === 4) return Proto.IPV4;
  if (v === 6) return Proto.IPV6;
  p.event(Ev.IPRAW_INVALID_IPV);
  return Proto.INVALID;
}

/** PPP (inside PPTP's enhanced GRE): optional address/control 0xff03, then a protocol field. */
export function decodePpp(p: Packet, off: number, end: number): number {
  const d = p.data;
  let o = off;
  if (end - o >= 2 && d[o] === 0xff && d[o + 1] === 0x03) o += 2;
  if (end - o < 1) return Proto.INVALID;
  let proto: number;
  if (d[o] & 1) { proto = d[o]; o += 1; } // protocol-field compression (RFC 1661 §6.5)
  else {
    if (end - o < 2) return Proto.INVALID;
    proto = u16(d, o); o += 2;
  }
  p.next = o;
  if (proto === 0x0021) return Proto.IPV4;
  if (proto === 0x0057) return Proto.IPV6;
  return Proto.DONE;
}

import { digest } from '../digest.js';

/**
 * Community ID v1 (corelight/community-id-spec): base64(SHA1(seed, saddr, daddr, proto, 0,
 * sport, dport)) with the endpoints ordered so both directions give the same id. For ICMP
 * the "ports" are the type and the counterpart type (or the code for one-way types), see
 * ICMP4_PEER/ICMP6_PEER below. Called once per flow record, never per packet.
 */
export function communityId(
  v4: boolean, src: Uint32Array, srcOff: number, dst: Uint32Array, dstOff: number,
  proto: number, sport: number, dport: number, seed = 0,
): string {
  const alen = v4 ? 4 : 16;
  const buf = Buffer.alloc(2 + alen * 2 + 2 + (hasPorts(proto) ? 4 : 0));
  let a = src, ao = srcOff, b = dst, bo = dstOff, ap = sport, bp = dport;
  // ICMP one-way messages keep their direction; everything else is ordered so that the
  // smaller address (then port) comes first (spec: is_ordered / flipped).
  const oneWay = (proto === 1 || proto === 58) && icmpIsOneWay(proto, sport);
  const c = cmpAddr(a, ao, b, bo, v4);
  if (!oneWay && (c > 0 || (c === 0 && ap > bp))) {
    a = dst; ao = dstOff; b = src; bo = srcOff; ap = dport; bp = sport;
  }
  let o = 0;
  buf.writeUInt16BE(seed, o); o += 2;
  o = writeAddr(buf, o, a, ao, v4);
  o = writeAddr(buf, o, b, bo, v4);
  buf[o++] = proto;
  buf[o++] = 0;
  if (hasPorts(proto)) {
    buf.writeUInt16BE(ap, o); o += 2;
    buf.writeUInt16BE(bp, o);
  }
  return '1:' + sha1Base64(buf);
}

function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58;
}

function writeAddr(buf: Buffer, o: number, w: Uint32Array, off: number, v4: boolean): number {
  if (v4) { buf.writeUInt32BE(w[off + 3], o); return o + 4; }
  for (let i = 0; i < 4; i++) buf.writeUInt32BE(w[off + i], o + 4 * i);
  return o + 16;
}

function cmpAddr(a: Uint32Array, ao: number, b: Uint32Array, bo: number, v4: boolean): number {
  for (let i = v4 ? 3 : 0; i < 4; i++) {
    if (a[ao + i] !== b[bo + i]) return a[ao + i] < b[bo + i] ? -1 : 1;
  }
  return 0;
}

// ICMP request/response type pairs (spec: ICMPv4 and ICMPv6 tables).
const V4_PAIR = new Map<number, number>([[8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [17, 18], [18, 17], [10, 9], [9, 10]]);
const V6_PAIR = new Map<number, number>([[128, 129], [129, 128], [133, 134], [134, 133], [135, 136], [136, 135],
  [130, 131], [131, 130], [139, 140], [140, 139], [144, 145], [145, 144]]);

/** Counterpart type for request/response ICMP types, -1 for one-way types. Table lookup, no allocation. */
export const ICMP4_PEER: Int16Array = table(V4_PAIR);
export const ICMP6_PEER: Int16Array = table(V6_PAIR);
function table(m: Map<number, number>): Int16Array {
  const t = new Int16Array(256).fill(-1);
  for (const [k, v] of m) t[k] = v;
  return t;
}

function icmpIsOneWay(proto: number, type: number): boolean {
  return (proto === 1 ? ICMP4_PEER : ICMP6_PEER)[type & 0xff] < 0;
}

function sha1Base64(buf: Buffer): string {
  return digest('sha1', buf, 'base64');
}

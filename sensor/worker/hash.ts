import { u16, u32, u32le } from '../decode/bytes.js';

/**
 * Which worker a frame goes to: a symmetric hash of the outermost IP address pair, so both
 * directions of a flow, all fragments of a datagram and every flow inside one tunnel land
 * on the same worker. Ports are not used (fragments have none). Frames without IP go to 0.
 * A light parse (link layer, VLAN/QinQ, MPLS to the first IP header); the worker decodes fully.
 */
export function dispatchHash(d: Uint8Array, off: number, caplen: number, linktype: number): number {
  const end = off + caplen;
  let o = off;
  let type = 0;
  switch (linktype) {
    case 1: // Ethernet
      if (caplen < 14) return 0;
      type = u16(d, o + 12);
      o += 14;
      break;
    case 113: // SLL
      if (caplen < 16) return 0;
      type = u16(d, o + 14);
      o += 16;
      break;
    case 276: // SLL2
      if (caplen < 20) return 0;
      type = u16(d, o);
      o += 20;
      break;
    case 0: case 108: { // NULL / LOOP
      if (caplen < 4) return 0;
      let af = linktype === 108 ? u32(d, o) : u32le(d, o);
      if (af > 0xffff) af = linktype === 108 ? u32le(d, o) : u32(d, o);
      type = af === 2 ? 0x0800 : 0x86dd;
      o += 4;
      break;
    }
    case 101: case 12: case 14: case 228: case 229:
      if (caplen < 1) return 0;
      type = d[o] >> 4 === 4 ? 0x0800 : 0x86dd;
      break;
    default:
      return 0;
  }
  for (let n = 0; n < 4 && (type === 0x8100 || type === 0x88a8 || type === 0x9100); n++) {
    if (end - o < 4) return 0;
    type = u16(d, o + 2);
    o += 4;
  }
  if (type === 0x8847) {
    for (let n = 0; n < 8; n++) {
      if (end - o < 4) return 0;
      const bos = d[o + 2] & 1;
      o += 4;
      if (bos) break;
    }
    if (end - o < 1) return 0;
    type = d[o] >> 4 === 4 ? 0x0800 : d[o] >> 4 === 6 ? 0x86dd : 0;
  }
  if (type === 0x0800) {
    if (end - o < 20) return 0;
    return mix(u32(d, o + 12)) + mix(u32(d, o + 16)) >>> 0;
  }
  if (type === 0x86dd) {
    if (end - o < 40) return 0;
    const a = mix(u32(d, o + 8) ^ mix(u32(d, o + 12) ^ mix(u32(d, o + 16) ^ mix(u32(d, o + 20)))));
    const b = mix(u32(d, o + 24) ^ mix(u32(d, o + 28) ^ mix(u32(d, o + 32) ^ mix(u32(d, o + 36)))));
    return (a + b) >>> 0;
  }
  return 0;
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Test-only helpers: read a classic pcap into frames and find the IP layer of a frame.
 * Deliberately tiny (Ethernet/802.1Q, raw IP, Linux SLL): the tests use the real pcap reader
 * and decoder once the pipeline exposes them; these only locate bytes for unit tests.
 */
import { readFileSync } from 'node:fs';

export interface Frame {
  tsUs: number;
  data: Uint8Array;
  linktype: number;
}

export function readPcap(path: string): Frame[] {
  const b = readFileSync(path);
  const u = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const dv = new DataView(u.buffer, u.byteOffset, u.byteLength);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) le = true;
  else if (magic === 0xd4c3b2a1) le = false;
  else if (magic === 0xa1b23c4d) { le = true; nano = true; }
  else if (magic === 0x4d3cb2a1) { le = false; nano = true; }
  else throw new Error(`not a classic pcap: ${path}`);
  const linktype = dv.getUint32(20, le) & 0xffff;
  const out: Frame[] = [];
  let o = 24;
  while (o + 16 <= u.length) {
    const sec = dv.getUint32(o, le);
    const frac = dv.getUint32(o + 4, le);
    const incl = dv.getUint32(o + 8, le);
    if (o + 16 + incl > u.length) break;
    out.push({ tsUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac), data: u.subarray(o + 16, o + 16 + incl), linktype });
    o += 16 + incl;
  }
  return out;
}

/** Offset of the IP header and the VLAN id (or 0), or l3 = -1 when not IP. */
export function findL3(f: Frame): { l3: number; version: number; vlan: number } {
  const d = f.data;
  let o: number;
  let et: number;
  let vlan = 0;
  if (f.linktype === 1) {
    o = 14;
    et = (d[12]! << 8) | d[13]!;
    while ((et === 0x8100 || et === 0x88a8) && o + 4 <= d.length) {
      vlan = ((d[o]! << 8) | d[o + 1]!) & 0xfff;
      et = (d[o + 2]! << 8) | d[o + 3]!;
      o += 4;
    }
  } else if (f.linktype === 101 || f.linktype === 228 || f.linktype === 229) {
    o = 0;
    et = (d[0]! >> 4) === 6 ? 0x86dd : 0x0800;
  } else if (f.linktype === 113) {
    o = 16;
    et = (d[14]! << 8) | d[15]!;
  } else if (f.linktype === 276) {
    o = 20;
    et = (d[0]! << 8) | d[1]!;
  } else return { l3: -1, version: 0, vlan };
  if (et === 0x0800 && o < d.length && d[o]! >> 4 === 4) return { l3: o, version: 4, vlan };
  if (et === 0x86dd && o < d.length && d[o]! >> 4 === 6) return { l3: o, version: 6, vlan };
  return { l3: -1, version: 0, vlan };
}

/** Deterministic PRNG (mulberry32) so property tests are reproducible from the printed seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Internet checksum (RFC 1071) over a list of byte ranges; returns the folded 16-bit sum. */
export function inetSum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (p.length & 1) sum += p[p.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

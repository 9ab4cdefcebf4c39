/**
 * HPACK (RFC 7541) header block decoder for one direction of an HTTP/2 connection: static
 * table, dynamic table with size updates (bounded), Huffman strings through a 4-bit
 * state table built once at load (RFC 7541 Appendix B codes in hpack-tables.ts).
 *
 * Decoding writes Huffman output into one reused scratch array and copies each decoded
 * string once (a transaction keeps its headers); static-table entries are shared constant
 * views, dynamic-table entries share the bytes they were inserted with. Nothing else is
 * allocated per header.
 */
import { HUFFMAN_BITS, HUFFMAN_CODES, STATIC_TABLE } from './hpack-tables.js';
import { ascii } from '../types.js';

/** Suricata's HTTP2_MAX_TABLESIZE: a dynamic table size update above it is an error. */
export const MAX_TABLE_SIZE = 65536;
/** Per-entry overhead of the dynamic table size accounting (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;
/** Max entries a 64 KiB table can hold (each costs ≥ 32). */
const RING = MAX_TABLE_SIZE / ENTRY_OVERHEAD;

const STATIC_NAMES: Uint8Array[] = STATIC_TABLE.map(([n]) => ascii(n));
const STATIC_VALUES: Uint8Array[] = STATIC_TABLE.map(([, v]) => ascii(v));

// ---- Huffman: a 4-bit state machine over the code tree ------------------------------------
// States are the tree's internal nodes (256 for 257 symbols). For (state, nibble): the next
// state and the symbol completed on the way (-1 none, -2 EOS = error). A nibble completes at
// most one symbol: the shortest code is 5 bits.
const H_NEXT = new Uint16Array(256 * 16);
const H_EMIT = new Int16Array(256 * 16);
/** 1 when ending in this state is valid padding: root, or all-ones path shorter than 8 bits. */
const H_ACCEPT = new Uint8Array(256);

(function buildHuffman(): void {
  // Tree: child[node*2+bit], >= 0 internal node, < 0 leaf -(sym+1).
  const child = new Int32Array(512 * 2).fill(0x7fffffff);
  let nodes = 1;
  for (let sym = 0; sym < 257; sym++) {
    const code = HUFFMAN_CODES[sym], bits = HUFFMAN_BITS[sym];
    let n = 0;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1, k = n * 2 + bit;
      if (i === 0) { child[k] = -(sym + 1); break; }
      if (child[k] === 0x7fffffff) child[k] = nodes++;
      n = child[k];
    }
  }
  const depth = new Int32Array(nodes), ones = new Uint8Array(nodes);
  ones[0] = 1;
  for (let n = 0; n < nodes; n++) {
    for (let bit = 0; bit < 2; bit++) {
      const c = child[n * 2 + bit];
      if (c > 0) { depth[c] = depth[n] + 1; ones[c] = ones[n] & bit; }
    }
  }
  for (let n = 0; n < nodes; n++) H_ACCEPT[n] = n === 0 || (ones[n] === 1 && depth[n] < 8) ? 1 : 0;
  for (let s = 0; s < nodes; s++) {
    for (let nib = 0; nib < 16; nib++) {
      let cur = s, emit = -1;
      for (let i = 3; i >= 0; i--) {
        const c = child[cur * 2 + ((nib >>> i) & 1)];
        if (c < 0) {
          const sym = -c - 1;
          if (sym === 256) { emit = -2; cur = 0; break; }
          emit = sym; cur = 0;
        } else cur = c;
      }
      H_NEXT[s * 16 + nib] = cur;
      H_EMIT[s * 16 + nib] = emit;
    }
  }
})();

/**
 * Decodes Huffman bytes b[off..end) into out starting at 0; returns the decoded length, or
 * -1 on EOS inside the string or invalid padding. `out` must hold (end-off)*8/5 bytes.
 */
export function huffmanDecode(b: Uint8Array, off: number, end: number, out: Uint8Array): number {
  let s = 0, n = 0;
  for (let i = off; i < end; i++) {
    const x = b[i];
    let k = s * 16 + (x >>> 4);
    let e = H_EMIT[k];
    if (e === -2) return -1;
    if (e >= 0) out[n++] = e;
    s = H_NEXT[k];
    k = s * 16 + (x & 15);
    e = H_EMIT[k];
    if (e === -2) return -1;
    if (e >= 0) out[n++] = e;
    s = H_NEXT[k];
  }
  return H_ACCEPT[s] === 1 ? n : -1;
}

/** Decoder status bits (events the caller raises under Suricata's names). */
export const HP_OK = 0, HP_INTEGER_OVERFLOW = 1, HP_INVALID = 2, HP_TRUNCATED = 4, HP_SIZE_UPDATE_TOO_BIG = 8;

/** Header list of one decoded block (parallel arrays, reused by the caller). */
export interface HeaderList {
  names: Uint8Array[];
  values: Uint8Array[];
  /** Dynamic table size updates in this block (http2.size_update), -1 when none. */
  sizeUpdates: number[];
}

export class HpackDecoder {
  /** Ring of dynamic entries; the newest is at `head - 1`. */
  private readonly dnames: (Uint8Array | null)[] = new Array(RING).fill(null);
  private readonly dvalues: (Uint8Array | null)[] = new Array(RING).fill(null);
  private head = 0;
  private count = 0;
  /** Current dynamic table size (sum of name + value + 32). */
  size = 0;
  /** Max size in force (changed by size updates, ≤ MAX_TABLE_SIZE). */
  maxSize = 4096;
  private scratch = new Uint8Array(1024);
  private pos = 0;
  private intOverflow = false;

  get entries(): number { return this.count; }

  private readInt(b: Uint8Array, end: number, prefix: number): number {
    const mask = (1 << prefix) - 1;
    let v = b[this.pos++] & mask;
    if (v < mask) return v;
    let m = 0;
    for (;;) {
      if (this.pos >= end) return -1;
      const x = b[this.pos++];
      // Suricata reports header_integer_overflow past 2^28 (HPACK integers fit 32 bits).
      if (m > 21) { this.intOverflow = true; return -2; }
      v += (x & 0x7f) * (1 << m);
      m += 7;
      if ((x & 0x80) === 0) return v;
    }
  }

  /** A string literal at pos: a fresh copy (Huffman decoded or raw), or null on error. */
  private readString(b: Uint8Array, end: number): Uint8Array | null {
    if (this.pos >= end) return null;
    const huff = (b[this.pos] & 0x80) !== 0;
    const len = this.readInt(b, end, 7);
    if (len < 0 || this.pos + len > end) return null;
    const s = this.pos;
    this.pos += len;
    if (!huff) return b.slice(s, s + len);
    const need = Math.ceil((len * 8) / 5);
    if (need > this.scratch.length) this.scratch = new Uint8Array(Math.max(need, this.scratch.length * 2));
    const n = huffmanDecode(b, s, s + len, this.scratch);
    return n < 0 ? null : this.scratch.slice(0, n);
  }

  private lookup(index: number, wantValue: boolean): Uint8Array | null {
    if (index <= 0) return null;
    if (index <= STATIC_NAMES.length) return wantValue ? STATIC_VALUES[index - 1] : STATIC_NAMES[index - 1];
    const d = index - STATIC_NAMES.length;
    if (d > this.count) return null;
    const k = (this.head - d + RING) % RING;
    return wantValue ? this.dvalues[k] : this.dnames[k];
  }

  private evict(): void {
    const k = (this.head - this.count + RING) % RING;
    this.size -= this.dnames[k]!.length + this.dvalues[k]!.length + ENTRY_OVERHEAD;
    this.dnames[k] = null; this.dvalues[k] = null;
    this.count--;
  }

  private insert(name: Uint8Array, value: Uint8Array): void {
    const sz = name.length + value.length + ENTRY_OVERHEAD;
    while (this.count > 0 && this.size + sz > this.maxSize) this.evict();
    // An entry larger than the table empties it and is not added (RFC 7541 §4.4).
    if (sz > this.maxSize) return;
    this.dnames[this.head] = name; this.dvalues[this.head] = value;
    this.head = (this.head + 1) % RING;
    this.count++;
    this.size += sz;
  }

  private resize(n: number): void {
    this.maxSize = n;
    while (this.count > 0 && this.size > this.maxSize) this.evict();
  }

  /**
   * Decodes one complete header block b[off..end) into `out` (appended). Returns status
   * bits; decoding stops at the first error (the table may then be out of sync, as in any
   * HPACK decoder that lost bytes).
   */
  decode(b: Uint8Array, off: number, end: number, out: HeaderList): number {
    this.pos = off;
    this.intOverflow = false;
    let st = HP_OK;
    while (this.pos < end) {
      const x = b[this.pos];
      if (x & 0x80) {
        const idx = this.readInt(b, end, 7);
        const n = idx > 0 ? this.lookup(idx, false) : null;
        if (n === null) { st |= idx === -2 ? HP_INTEGER_OVERFLOW : idx === -1 ? HP_TRUNCATED : HP_INVALID; break; }
        out.names.push(n); out.values.push(this.lookup(idx, true)!);
        continue;
      }
      if ((x & 0xe0) === 0x20) {
        const sz = this.readInt(b, end, 5);
        if (sz < 0) { st |= sz === -2 ? HP_INTEGER_OVERFLOW : HP_TRUNCATED; break; }
        out.sizeUpdates.push(sz);
        if (sz > MAX_TABLE_SIZE) { st |= HP_SIZE_UPDATE_TOO_BIG; this.resize(MAX_TABLE_SIZE); } else this.resize(sz);
        continue;
      }
      // Literal: 01 incremental indexing (6-bit index), 0000 without / 0001 never indexed (4-bit).
      const indexing = (x & 0xc0) === 0x40;
      const idx = this.readInt(b, end, indexing ? 6 : 4);
      if (idx < 0) { st |= idx === -2 ? HP_INTEGER_OVERFLOW : HP_TRUNCATED; break; }
      let name: Uint8Array | null;
      if (idx === 0) name = this.readString(b, end);
      else { name = this.lookup(idx, false); if (name === null) { st |= HP_INVALID; break; } }
      if (name === null) { st |= this.intOverflow ? HP_INTEGER_OVERFLOW : HP_INVALID; break; }
      const value = this.readString(b, end);
      if (value === null) { st |= this.intOverflow ? HP_INTEGER_OVERFLOW : HP_INVALID; break; }
      out.names.push(name); out.values.push(value);
      if (indexing) this.insert(name, value);
    }
    return st;
  }
}

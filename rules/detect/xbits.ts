/**
 * xbits / hostbits state (Suricata detect-xbits.c, detect-hostbits.c, host-bit.c,
 * ippair-bit.c): named bits stored per host (track ip_src / ip_dst) or per IP pair
 * (track ip_pair; the pair is unordered, as Suricata's IPPair hash and compare are
 * symmetric). Each bit carries an expiry time (packet time + `expire` seconds; xbits default
 * 30, hostbits 300). Suricata semantics kept on purpose:
 *  - isset: the bit exists and has not expired (expire < now → removed, not set);
 *  - isnotset: the bit is absent or expired (an expired one is removed);
 *  - set: adds the bit when absent; a bit already present keeps its expiry (HostBitSet /
 *    IPPairBitSet only add when absent);
 *  - unset removes; toggle removes a present bit or adds an absent one with a new expiry.
 * Checks (isset/isnotset) are conditions of the rule; set/unset/toggle run after the whole
 * rule matched (Suricata's POSTMATCH list).
 *
 * Storage: one fixed open-addressing table (linear probing) of (kind, address A, address B,
 * bit id) entries in typed arrays; nothing is allocated per packet. When inserts reach the
 * load limit (3/4 of the slots) the table is swept (expired entries and tombstones
 * dropped, rehashed into a second preallocated set of arrays); if it is still full of live
 * bits, the earliest-expiring of the first 16 entries of the new key's probe run is evicted
 * (`evicted` counts them), like Suricata recycling a used host/ippair at its memcap.
 *
 * Scope: one table per worker thread (THREAD_XBITS), shared by packet, stream and
 * app-layer rules and kept across rule reloads (bit ids are interned per thread by name,
 * so a reloaded ruleset reuses them). Suricata's host table is global to all threads; with
 * several Fennec workers a bit set by a flow on one worker is not seen by flows hashed to
 * another worker (flows are distributed by a symmetric 5-tuple hash, so host bits that
 * span flows of different workers are missed — known limitation).
 */
import type { Rule } from '../types.js';

export const enum XbitCmd { SET, UNSET, TOGGLE, ISSET, ISNOTSET }
export const enum XbitTrack { IP_SRC, IP_DST, IP_PAIR }

export interface XbitOp {
  cmd: XbitCmd;
  name: string;
  /** Interned bit id (xbitId). */
  id: number;
  track: XbitTrack;
  /** Seconds a set/toggle keeps the bit. */
  expire: number;
  /** Keyword the op came from (xbits or hostbits), for messages. */
  keyword: string;
}

declare module '../types.js' {
  interface Rule {
    /** xbits / hostbits ops in rule order (rules/keywords/xbits.ts); undefined when none. */
    xbits?: XbitOp[];
  }
}

/** Suricata DETECT_XBITS_EXPIRE_DEFAULT. */
export const XBITS_EXPIRE_DEFAULT = 30;
/** detect-hostbits.c sets expire 300 for every hostbits op. */
export const HOSTBITS_EXPIRE_DEFAULT = 300;

const NAMES = new Map<string, number>();
/** Interned id of a bit name (per thread; stable across reloads). */
export function xbitId(name: string): number {
  let id = NAMES.get(name);
  if (id === undefined) { id = NAMES.size + 1; NAMES.set(name, id); }
  return id;
}

const EMPTY = 0, USED = 1, TOMB = 2;
const KIND_HOST = 1, KIND_PAIR = 2;
/** Key words per entry: address A (4), address B (4; zero for hosts), (id << 2) | kind. */
const KW = 9;

export interface XbitsCounters {
  /** Live entries (may include expired ones not yet removed). */
  entries: number;
  /** Entries evicted because the table was full after a sweep. */
  evicted: number;
  sweeps: number;
}

export class XbitsTable {
  readonly counters: XbitsCounters = { entries: 0, evicted: 0, sweeps: 0 };
  private cap: number;
  private mask: number;
  /** Used + tombstone slots that trigger a sweep (3/4 of the capacity). */
  private readonly limit: number;
  private keys: Uint32Array;
  private state: Uint8Array;
  private expire: Float64Array;
  private keys2: Uint32Array;
  private state2: Uint8Array;
  private expire2: Float64Array;
  private tombs = 0;
  /** Earliest expiry of the live entries (a lower bound after removals): nothing expires before it. */
  private minExpire = Infinity;
  /** The key being looked up (filled by setKey, no allocation). */
  private readonly k = new Uint32Array(KW);

  /** `entries`: table slots (power of two, default 32768 = ~1.6 MiB with the sweep copy). */
  constructor(entries = 32768) {
    let c = 64;
    while (c < entries) c <<= 1;
    this.cap = c; this.mask = c - 1; this.limit = (c >> 2) * 3;
    this.keys = new Uint32Array(c * KW); this.state = new Uint8Array(c); this.expire = new Float64Array(c);
    this.keys2 = new Uint32Array(c * KW); this.state2 = new Uint8Array(c); this.expire2 = new Float64Array(c);
  }

  get capacity(): number { return this.cap; }

  /** Conditions of a rule's ops (isset/isnotset) for a packet src → dst at time tsUs. */
  check(ops: readonly XbitOp[], src: Uint32Array, dst: Uint32Array, tsUs: number): boolean {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.cmd !== XbitCmd.ISSET && op.cmd !== XbitCmd.ISNOTSET) continue;
      this.setKey(op, src, dst);
      const s = this.find();
      let set = false;
      if (s >= 0) {
        if (this.expire[s] < tsUs) this.remove(s);
        else set = true;
      }
      if (set !== (op.cmd === XbitCmd.ISSET)) return false;
    }
    return true;
  }

  /** Effects of a matched rule's ops (set/unset/toggle). */
  apply(ops: readonly XbitOp[], src: Uint32Array, dst: Uint32Array, tsUs: number): void {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.cmd === XbitCmd.ISSET || op.cmd === XbitCmd.ISNOTSET) continue;
      this.setKey(op, src, dst);
      const s = this.find();
      if (op.cmd === XbitCmd.SET) { if (s < 0) this.insert(tsUs + op.expire * 1e6, tsUs); }
      else if (op.cmd === XbitCmd.UNSET) { if (s >= 0) this.remove(s); }
      else if (s >= 0) this.remove(s);
      else this.insert(tsUs + op.expire * 1e6, tsUs);
    }
  }

  /** Is the bit set for a host (tests / API): same rules as isset. */
  isSetHost(name: string, addr: Uint32Array, tsUs: number): boolean {
    const k = this.k;
    for (let i = 0; i < 4; i++) { k[i] = addr[i]; k[4 + i] = 0; }
    k[8] = (xbitId(name) << 2) | KIND_HOST;
    const s = this.find();
    return s >= 0 && this.expire[s] >= tsUs;
  }

  private setKey(op: XbitOp, src: Uint32Array, dst: Uint32Array): void {
    const k = this.k;
    if (op.track === XbitTrack.IP_PAIR) {
      // Unordered pair: the lower address first (Suricata IPPairGetKey / IPPairCompare).
      let aFirst = true;
      for (let i = 0; i < 4; i++) { if (src[i] !== dst[i]) { aFirst = src[i] < dst[i]; break; } }
      const a = aFirst ? src : dst, b = aFirst ? dst : src;
      for (let i = 0; i < 4; i++) { k[i] = a[i]; k[4 + i] = b[i]; }
      k[8] = (op.id << 2) | KIND_PAIR;
    } else {
      const a = op.track === XbitTrack.IP_SRC ? src : dst;
      for (let i = 0; i < 4; i++) { k[i] = a[i]; k[4 + i] = 0; }
      k[8] = (op.id << 2) | KIND_HOST;
    }
  }

  /** Slot of the key at keys[o .. o+KW) (FNV-style mix of the 9 words). */
  private hash(keys: Uint32Array = this.k, o = 0): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < KW; i++) { h = Math.imul(h ^ keys[o + i], 0x01000193); h ^= h >>> 15; }
    return (h >>> 0) & this.mask;
  }

  private eq(s: number, keys: Uint32Array): boolean {
    const k = this.k, o = s * KW;
    for (let i = 0; i < KW; i++) if (keys[o + i] !== k[i]) return false;
    return true;
  }

  private find(): number {
    let s = this.hash();
    for (let n = 0; n < this.cap; n++) {
      const st = this.state[s];
      if (st === EMPTY) return -1;
      if (st === USED && this.eq(s, this.keys)) return s;
      s = (s + 1) & this.mask;
    }
    return -1;
  }

  private remove(s: number): void {
    this.state[s] = TOMB;
    this.tombs++;
    this.counters.entries--;
  }

  private insert(expire: number, now: number): void {
    // Sweep when slots run short and the sweep can reclaim something: an entry may have
    // expired, or evictions left many tombstones (bounds sweeps to one per cap/8 inserts
    // under a flood of live bits instead of one O(cap) pass per insert).
    if (this.counters.entries + this.tombs >= this.limit && (this.tombs >= this.cap >> 3 || now > this.minExpire)) this.sweep(now);
    let s = this.hash();
    if (this.counters.entries >= this.limit) {
      // Still full of live bits: evict the earliest-expiring of the first 16 entries of
      // this key's probe run (Suricata recycles a used host/ippair at its memcap).
      let victim = -1, best = Infinity;
      for (let x = s, n = 0, seen = 0; n < this.cap && seen < 16; n++, x = (x + 1) & this.mask) {
        if (this.state[x] !== USED) continue;
        seen++;
        if (this.expire[x] < best) { best = this.expire[x]; victim = x; }
      }
      this.remove(victim);
      this.counters.evicted++;
    }
    while (this.state[s] === USED) s = (s + 1) & this.mask;
    if (this.state[s] === TOMB) this.tombs--;
    this.put(s, expire);
  }

  private put(s: number, expire: number): void {
    const k = this.k, o = s * KW;
    for (let i = 0; i < KW; i++) this.keys[o + i] = k[i];
    this.state[s] = USED;
    this.expire[s] = expire;
    if (expire < this.minExpire) this.minExpire = expire;
    this.counters.entries++;
  }

  /** Drops expired entries and tombstones: rehash the live entries into the spare arrays. */
  private sweep(now: number): void {
    this.counters.sweeps++;
    const ok = this.keys, os = this.state, oe = this.expire;
    const nk = this.keys2, ns = this.state2, ne = this.expire2;
    ns.fill(EMPTY);
    let live = 0, min = Infinity;
    for (let s = 0; s < this.cap; s++) {
      if (os[s] !== USED || oe[s] < now) continue;
      const o = s * KW;
      let d = this.hash(ok, o);
      while (ns[d] === USED) d = (d + 1) & this.mask;
      const p = d * KW;
      for (let i = 0; i < KW; i++) nk[p + i] = ok[o + i];
      ns[d] = USED; ne[d] = oe[s];
      if (oe[s] < min) min = oe[s];
      live++;
    }
    this.keys = nk; this.state = ns; this.expire = ne;
    this.keys2 = ok; this.state2 = os; this.expire2 = oe;
    this.tombs = 0;
    this.minExpire = min;
    this.counters.entries = live;
  }
}

/** The worker thread's table (packet, stream and app rules; survives reloads). */
export const THREAD_XBITS = new XbitsTable();

/** True when the rule has xbits/hostbits ops. */
export function hasXbits(r: Rule): boolean {
  return r.xbits !== undefined && r.xbits.length > 0;
}

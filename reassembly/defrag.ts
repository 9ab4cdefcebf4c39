/**
 * IPv4 and IPv6 fragment reassembly ("defrag"), modelled on Suricata's src/defrag.c semantics
 * and the target-based policies of Novak's "Target-Based Fragmentation Reassembly" (2005),
 * which Suricata's `defrag` policies and Snort's frag3 implement.
 *
 * Call contract (the decoder calls this ONLY for fragments, so unfragmented traffic costs
 * nothing here):
 *   - IPv4: `addV4(buf, l3Off, l3Len, vlan, tsUs)` when MF is set or the fragment offset is
 *     non-zero. l3Len is the IP total length as clamped to the captured bytes.
 *   - IPv6: `addV6(buf, l3Off, l3Len, fragHdrOff, vlan, tsUs)` when a Fragment extension
 *     header (44) was found at absolute offset fragHdrOff (not for atomic fragments, RFC 6946).
 *     Everything between l3Off+40 and fragHdrOff is the unfragmentable part (RFC 8200 4.5);
 *     the defragmenter walks it itself to find the Next Header byte that names the Fragment
 *     header.
 * Both return a DefragStatus. On COMPLETE the rebuilt IP packet is `out[0 .. outLen)`:
 *   IPv4 — the first fragment's header with total length set, MF/offset cleared, checksum
 *          recomputed; IPv6 — the unfragmentable part of the offset-0 fragment, the Fragment
 *          header removed, the chain repaired (the Next Header byte that named it gets the fragment
 *          header's Next Header) and Payload Length fixed.
 * Ownership: `out` belongs to the Defragmenter and is overwritten by the next add*() call;
 * decode it (and copy anything you keep) before feeding the next fragment.
 *
 * Memory: fragment bytes (and the unfragmentable header of the first fragment) are copied
 * into fixed-size pages of one preallocated arena of `memcap` bytes; tracker state lives in
 * typed arrays sized by `maxTrackers`. Nothing is allocated per fragment except the
 * subarray view used by one `Uint8Array.set` per page copy.
 */

/** Overlap policies (Suricata `defrag` host-os-policy names). */
export const enum FragPolicy {
  FIRST = 0,
  LAST = 1,
  BSD = 2,
  BSD_RIGHT = 3,
  LINUX = 4,
  WINDOWS = 5,
  SOLARIS = 6,
}

export const FRAG_POLICY_NAMES = ['first', 'last', 'bsd', 'bsd-right', 'linux', 'windows', 'solaris'] as const;
export type FragPolicyName = (typeof FRAG_POLICY_NAMES)[number];

export function fragPolicyFromName(name: string): FragPolicy {
  const i = (FRAG_POLICY_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`FENNEC_ERR_DEFRAG_POLICY: unknown defrag policy "${name}" (one of ${FRAG_POLICY_NAMES.join(', ')})`);
  return i as FragPolicy;
}

/**
 * The policy table: does a NEW fragment [ns, ne) win the bytes it shares with an EXISTING
 * fragment [es, ee)? (Offsets are the fragments' original, untrimmed extents.)
 * Definitions, as Suricata's DefragInsertFrag trims fragments (src/defrag.c) and Novak 2005:
 *   first     — the fragment received first always wins (old Solaris, HP-UX 11, Mac OS).
 *   last      — the fragment received last always wins (some routers/printers).
 *   bsd       — the original wins unless the new one starts before it (ns < es): Suricata trims
 *               the new fragment's left edge when ns >= es and the next fragment's left edge by
 *               the new fragment's end otherwise. (BSD, HP-UX 10, IRIX; Suricata's default.)
 *   bsd-right — mirror image of bsd: the new one wins when it ends after the original
 *               (ne > ee); Novak's HP JetDirect behaviour. Suricata 7 has no separate branch
 *               for it (falls through to insert-by-offset), so this is our reading of Novak.
 *   linux     — like bsd, but a new fragment starting at the same offset also wins (ns <= es):
 *               Suricata's linux branch trims the new fragment only when ns > es.
 *   windows   — the original wins unless the new one starts before and ends after it
 *               (ns < es && ne > ee): Suricata skips prev only on strict enclosure.
 *   solaris   — like windows, but ending at the same place suffices (ns < es && ne >= ee).
 */
export const FRAG_POLICY_TABLE: ReadonlyArray<(ns: number, ne: number, es: number, ee: number) => boolean> = [
  /* FIRST */ () => false,
  /* LAST */ () => true,
  /* BSD */ (ns, _ne, es) => ns < es,
  /* BSD_RIGHT */ (_ns, ne, _es, ee) => ne > ee,
  /* LINUX */ (ns, _ne, es) => ns <= es,
  /* WINDOWS */ (ns, ne, es, ee) => ns < es && ne > ee,
  /* SOLARIS */ (ns, ne, es, ee) => ns < es && ne >= ee,
];

export const enum DefragStatus {
  /** Fragment stored; nothing to decode yet. */
  HELD = 0,
  /** A datagram completed: decode out[0..outLen). */
  COMPLETE = 1,
  /** Fragment dropped (malformed, too large, no tracker/memory, duplicate under `first`...). Counted. */
  DROPPED = 2,
}

/** Counter indices; names are Suricata's stats/event names where Suricata has one. */
export const enum DefragCounter {
  V4_FRAGMENTS,
  V6_FRAGMENTS,
  V4_REASSEMBLED,
  V6_REASSEMBLED,
  V4_OVERLAP,
  V6_OVERLAP,
  V4_TOO_LARGE,
  V6_TOO_LARGE,
  V6_INVALID_LENGTH,
  V4_IGNORED,
  V6_IGNORED,
  MAX_TRACKERS,
  MEMCAP,
  TIMEOUTS,
  EVICTIONS,
  MALFORMED,
  OVERLAP_DIFFERENT_DATA,
  /** A fragment wholly inside held data that it loses to, not stored (Suricata: ltrim > data_len). */
  DISCARDED_INSIDE,
  COUNT,
}

export const DEFRAG_COUNTER_NAMES: readonly string[] = [
  'defrag.ipv4.fragments',
  'defrag.ipv6.fragments',
  'defrag.ipv4.reassembled',
  'defrag.ipv6.reassembled',
  'decoder.ipv4.frag_overlap',
  'decoder.ipv6.frag_overlap',
  'decoder.ipv4.frag_pkt_too_large',
  'decoder.ipv6.frag_pkt_too_large',
  'decoder.ipv6.frag_invalid_length',
  'decoder.ipv4.frag_ignored',
  'decoder.ipv6.frag_ignored',
  'defrag.max_frag_hits',
  'defrag.memcap_exception',
  'defrag.timeouts',
  'defrag.evictions',
  'defrag.malformed',
  'defrag.overlap_different_data',
  'defrag.discarded_inside',
];

export interface DefragHostPolicy {
  /** "10.0.0.0/8", "2001:db8::/32", or a bare address. Matched on the destination address. */
  cidr: string;
  policy: FragPolicyName;
}

export interface DefragConfig {
  /** Seconds a tracker lives after its last fragment (Suricata defrag.timeout, default 60). */
  timeoutSec?: number;
  /** Bytes of fragment storage (the page arena). Default 32 MiB (Suricata defrag.memcap). */
  memcap?: number;
  /** Concurrent datagrams under reassembly (Suricata defrag.trackers). Default 4096. */
  maxTrackers?: number;
  /** Fragments held per datagram before it is dropped (Suricata defrag.max-frags per tracker). Default 256. */
  maxFragsPerTracker?: number;
  /** Default overlap policy: 'bsd' like Suricata. */
  policy?: FragPolicyName;
  /** Per destination CIDR policies; the longest prefix wins. */
  hostPolicies?: DefragHostPolicy[];
}

/** 2 KiB pages: one page holds a full 1500-MTU fragment; larger fragments chain pages. */
const PAGE = 2048;
const PAGE_SHIFT = 11;
/** Key words per tracker: [ver<<16 | (vlan & 0xffff), id, proto, src0..3, dst0..3]. */
const KW = 11;
/** Reassembled datagram bound: IPv6 header + 65535 bytes of payload; IPv4 is at most 65535. */
const OUT_MAX = 40 + 65535;
const NONE = -1;

export interface CidrEntry {
  v6: boolean;
  words: Uint32Array;
  bits: number;
  policy: FragPolicy;
}

export class Defragmenter {
  readonly counters = new Float64Array(DefragCounter.COUNT);
  /** Rebuilt datagram after a COMPLETE; valid until the next add*() call. */
  readonly out = new Uint8Array(OUT_MAX);
  outLen = 0;
  /** Status detail of the last call: true when the last fragment overlapped earlier ones. */
  lastOverlap = false;

  private readonly timeoutUs: number;
  private readonly maxTrackers: number;
  private readonly maxFrags: number;
  private readonly defaultPolicy: FragPolicy;
  private readonly cidrs: CidrEntry[] = [];

  // Tracker state (structure of arrays, index = tracker id).
  private readonly key: Uint32Array;
  private readonly hashNext: Int32Array;
  private readonly buckets: Int32Array;
  private readonly bucketMask: number;
  private readonly lastSeenUs: Float64Array;
  private readonly totalLen: Int32Array; // fragmentable length once the last fragment is seen, else -1
  private readonly fragHead: Int32Array; // first fragment record (arrival order)
  private readonly fragTail: Int32Array;
  private readonly fragCount: Int32Array;
  private readonly hdrPage: Int32Array; // unfragmentable header of the offset-0 fragment
  private readonly hdrLen: Int32Array;
  private readonly nhRel: Int32Array; // IPv6: offset of the next-header byte inside the header copy
  private readonly fragNh: Int32Array; // IPv6: the fragment header's Next Header
  private readonly policy: Uint8Array;
  private readonly inUse: Uint8Array;
  // LRU list of live trackers (oldest first) for timeout sweeps and eviction.
  private readonly lruPrev: Int32Array;
  private readonly lruNext: Int32Array;
  private lruHead = NONE;
  private lruTail = NONE;
  private freeTracker: Int32Array;
  private freeTrackerTop: number;
  liveTrackers = 0;

  // Fragment records (pool).
  private readonly fStart: Int32Array;
  private readonly fEnd: Int32Array;
  private readonly fPage: Int32Array;
  private readonly fNext: Int32Array;
  private readonly freeFrag: Int32Array;
  private freeFragTop: number;

  // Page arena.
  private readonly arena: Uint8Array;
  private readonly pageNext: Int32Array;
  private readonly freePage: Int32Array;
  private freePageTop: number;
  readonly pageCount: number;

  // Scratch for reassembly: which fragment owns each byte.
  private readonly owner = new Int32Array(65536);
  private readonly scratchKey = new Uint32Array(KW);

  constructor(cfg: DefragConfig = {}) {
    this.timeoutUs = (cfg.timeoutSec ?? 60) * 1e6;
    this.maxTrackers = Math.max(1, cfg.maxTrackers ?? 4096);
    this.maxFrags = Math.max(2, cfg.maxFragsPerTracker ?? 256);
    this.defaultPolicy = fragPolicyFromName(cfg.policy ?? 'bsd');
    for (const hp of cfg.hostPolicies ?? []) this.cidrs.push(parseCidr(hp.cidr, fragPolicyFromName(hp.policy)));
    this.cidrs.sort((a, b) => b.bits - a.bits);
    const n = this.maxTrackers;
    this.key = new Uint32Array(n * KW);
    this.hashNext = new Int32Array(n).fill(NONE);
    let nb = 1;
    while (nb < n * 2) nb <<= 1;
    this.buckets = new Int32Array(nb).fill(NONE);
    this.bucketMask = nb - 1;
    this.lastSeenUs = new Float64Array(n);
    this.totalLen = new Int32Array(n);
    this.fragHead = new Int32Array(n);
    this.fragTail = new Int32Array(n);
    this.fragCount = new Int32Array(n);
    this.hdrPage = new Int32Array(n);
    this.hdrLen = new Int32Array(n);
    this.nhRel = new Int32Array(n);
    this.fragNh = new Int32Array(n);
    this.policy = new Uint8Array(n);
    this.inUse = new Uint8Array(n);
    this.lruPrev = new Int32Array(n);
    this.lruNext = new Int32Array(n);
    this.freeTracker = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeTracker[i] = n - 1 - i;
    this.freeTrackerTop = n;

    const memcap = Math.max(PAGE * 64, cfg.memcap ?? 32 * 1024 * 1024);
    this.pageCount = Math.floor(memcap / PAGE);
    this.arena = new Uint8Array(this.pageCount * PAGE);
    this.pageNext = new Int32Array(this.pageCount).fill(NONE);
    this.freePage = new Int32Array(this.pageCount);
    for (let i = 0; i < this.pageCount; i++) this.freePage[i] = this.pageCount - 1 - i;
    this.freePageTop = this.pageCount;
    // A fragment needs at least 8 bytes of data (except the last), so pages bound records too.
    const nf = this.pageCount + n;
    this.fStart = new Int32Array(nf);
    this.fEnd = new Int32Array(nf);
    this.fPage = new Int32Array(nf);
    this.fNext = new Int32Array(nf);
    this.freeFrag = new Int32Array(nf);
    for (let i = 0; i < nf; i++) this.freeFrag[i] = nf - 1 - i;
    this.freeFragTop = nf;
  }

  /** Bytes of fragment storage in use (pages * page size). */
  get memUsed(): number {
    return (this.pageCount - this.freePageTop) * PAGE;
  }

  counter(name: string): number {
    const i = DEFRAG_COUNTER_NAMES.indexOf(name);
    return i < 0 ? 0 : this.counters[i]!;
  }

  stats(): Record<string, number> {
    const o: Record<string, number> = {};
    for (let i = 0; i < DefragCounter.COUNT; i++) o[DEFRAG_COUNTER_NAMES[i]!] = this.counters[i]!;
    o['defrag.trackers_live'] = this.liveTrackers;
    o['defrag.memuse'] = this.memUsed;
    return o;
  }

  /** Evict every tracker idle for longer than the timeout at packet time `nowUs`. */
  sweep(nowUs: number): void {
    let t = this.lruHead;
    while (t !== NONE && nowUs - this.lastSeenUs[t]! > this.timeoutUs) {
      const nx = this.lruNext[t]!;
      this.counters[DefragCounter.TIMEOUTS]++;
      this.freeTrackerState(t);
      t = nx;
    }
  }

  /** An IPv4 fragment. Returns DefragStatus; see the file comment for the contract. */
  addV4(buf: Uint8Array, l3Off: number, l3Len: number, vlan: number, tsUs: number): DefragStatus {
    this.lastOverlap = false;
    this.counters[DefragCounter.V4_FRAGMENTS]++;
    if (l3Len < 20 || l3Off + l3Len > buf.length) return this.drop(DefragCounter.MALFORMED);
    const hlen = (buf[l3Off]! & 0x0f) << 2;
    const totLen = (buf[l3Off + 2]! << 8) | buf[l3Off + 3]!;
    if (hlen < 20 || totLen < hlen || totLen > l3Len) return this.drop(DefragCounter.MALFORMED);
    const ff = (buf[l3Off + 6]! << 8) | buf[l3Off + 7]!;
    const mf = (ff & 0x2000) !== 0;
    const start = (ff & 0x1fff) << 3;
    const dataLen = totLen - hlen;
    const end = start + dataLen;
    if (hlen + end > 65535) return this.drop(DefragCounter.V4_TOO_LARGE);
    if (mf && (dataLen & 7) !== 0) return this.drop(DefragCounter.MALFORMED);
    if (dataLen === 0) return this.drop(DefragCounter.MALFORMED);
    const k = this.scratchKey;
    k[0] = (4 << 16) | (vlan & 0xffff);
    k[1] = (buf[l3Off + 4]! << 8) | buf[l3Off + 5]!;
    k[2] = buf[l3Off + 9]!;
    k[3] = readU32(buf, l3Off + 12);
    k[4] = k[5] = k[6] = 0;
    k[7] = readU32(buf, l3Off + 16);
    k[8] = k[9] = k[10] = 0;
    return this.insert(buf, l3Off, hlen, -1, 0, l3Off + hlen, start, end, mf, tsUs, false);
  }

  /** An IPv6 fragment (the packet carries a Fragment header at fragHdrOff). */
  addV6(buf: Uint8Array, l3Off: number, l3Len: number, fragHdrOff: number, vlan: number, tsUs: number): DefragStatus {
    this.lastOverlap = false;
    this.counters[DefragCounter.V6_FRAGMENTS]++;
    if (l3Len < 48 || l3Off + l3Len > buf.length || fragHdrOff < l3Off + 40 || fragHdrOff + 8 > l3Off + l3Len) {
      return this.drop(DefragCounter.MALFORMED);
    }
    // Find the byte that names the Fragment header: walk the unfragmentable extension headers.
    let nhFieldOff = l3Off + 6;
    let pos = l3Off + 40;
    while (pos < fragHdrOff) {
      const nh = buf[nhFieldOff]!;
      let len: number;
      if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140) len = (buf[pos + 1]! + 1) << 3;
      else if (nh === 51) len = (buf[pos + 1]! + 2) << 2;
      else return this.drop(DefragCounter.MALFORMED);
      nhFieldOff = pos;
      pos += len;
    }
    if (pos !== fragHdrOff || buf[nhFieldOff] !== 44) return this.drop(DefragCounter.MALFORMED);
    const plen = (buf[l3Off + 4]! << 8) | buf[l3Off + 5]!;
    const ipEnd = l3Off + 40 + plen;
    if (plen === 0 || ipEnd > l3Off + l3Len) return this.drop(DefragCounter.MALFORMED);
    const fo = (buf[fragHdrOff + 2]! << 8) | buf[fragHdrOff + 3]!;
    const mf = (fo & 1) !== 0;
    const start = fo & 0xfff8;
    const dataOff = fragHdrOff + 8;
    const dataLen = ipEnd - dataOff;
    // RFC 8200 4.5: a non-last fragment's length must be a multiple of 8.
    if (dataLen <= 0 || (mf && (dataLen & 7) !== 0)) return this.drop(DefragCounter.V6_INVALID_LENGTH);
    const end = start + dataLen;
    const unfrag = fragHdrOff - l3Off;
    if (unfrag - 40 + end > 65535) return this.drop(DefragCounter.V6_TOO_LARGE);
    const k = this.scratchKey;
    k[0] = (6 << 16) | (vlan & 0xffff);
    k[1] = readU32(buf, fragHdrOff + 4);
    k[2] = 0; // RFC 8200: the key is (src, dst, id); next header may differ between fragments
    for (let i = 0; i < 4; i++) {
      k[3 + i] = readU32(buf, l3Off + 8 + 4 * i);
      k[7 + i] = readU32(buf, l3Off + 24 + 4 * i);
    }
    return this.insert(buf, l3Off, unfrag, nhFieldOff - l3Off, buf[fragHdrOff]!, dataOff, start, end, mf, tsUs, true);
  }

  // ---------------------------------------------------------------------------------------

  private drop(c: DefragCounter): DefragStatus {
    this.counters[c]++;
    return DefragStatus.DROPPED;
  }

  private insert(
    buf: Uint8Array, l3Off: number, hdrLen: number, nhRel: number, fragNh: number,
    dataOff: number, start: number, end: number, mf: boolean, tsUs: number, v6: boolean,
  ): DefragStatus {
    this.sweep(tsUs);
    let t = this.lookup();
    if (t === NONE) {
      t = this.newTracker(tsUs, v6);
      if (t === NONE) return this.drop(DefragCounter.MAX_TRACKERS);
    }
    this.lastSeenUs[t] = tsUs;
    this.lruTouch(t);
    // Overlap accounting first (event per fragment, like Suricata's ENGINE_SET_EVENT, which
    // DefragInsertFrag raises for every fragment sharing bytes with a held one, whatever
    // happens to the fragment afterwards). `inside` = a held fragment contains this one
    // entirely and keeps its bytes under the tracker's policy.
    let overlap = false;
    let diff = false;
    let inside = false;
    const wins = FRAG_POLICY_TABLE[this.policy[t]!]!;
    for (let f = this.fragHead[t]!; f !== NONE; f = this.fNext[f]!) {
      const fs = this.fStart[f]!, fe = this.fEnd[f]!;
      const os = Math.max(start, fs);
      const oe = Math.min(end, fe);
      if (os < oe) {
        overlap = true;
        if (!diff) diff = !this.sameBytes(f, os, buf, dataOff + (os - start), oe - os);
        if (fs <= start && end <= fe && !wins(start, end, fs, fe)) inside = true;
      }
    }
    if (overlap) {
      this.lastOverlap = true;
      this.counters[v6 ? DefragCounter.V6_OVERLAP : DefragCounter.V4_OVERLAP]++;
      if (diff) this.counters[DefragCounter.OVERLAP_DIFFERENT_DATA]++;
    }
    // A second "last" fragment that disagrees on the total length, or data past the end.
    const tot = this.totalLen[t]!;
    if ((tot >= 0 && (end > tot || (!mf && end !== tot))) || (!mf && this.maxEnd(t) > end)) {
      // A "last" fragment lying wholly inside held data it loses to is trimmed away by every
      // Suricata policy but `last` (ltrim > data_len → not inserted, tracker kept, only the
      // overlap event): suricata-verify ipv6-malformed-fragments-29 sends [0,408)+, [408,808)+,
      // then a 1-byte last fragment at 8. Anything else is inconsistent: drop the datagram.
      if (inside) {
        this.counters[DefragCounter.DISCARDED_INSIDE]++;
        return DefragStatus.DROPPED;
      }
      this.freeTrackerState(t);
      return this.drop(v6 ? DefragCounter.V6_IGNORED : DefragCounter.V4_IGNORED);
    }
    if (this.fragCount[t]! >= this.maxFrags) {
      this.freeTrackerState(t);
      return this.drop(DefragCounter.MAX_TRACKERS);
    }
    // Store the fragment's bytes (and the header of the first fragment at offset 0).
    const page = this.storeBytes(buf, dataOff, end - start);
    if (page === NONE) {
      this.counters[DefragCounter.MEMCAP]++;
      this.freeTrackerState(t);
      return this.drop(v6 ? DefragCounter.V6_IGNORED : DefragCounter.V4_IGNORED);
    }
    if (start === 0 && this.hdrPage[t] === NONE) {
      const hp = this.storeBytes(buf, l3Off, hdrLen);
      if (hp === NONE) {
        this.releasePages(page);
        this.counters[DefragCounter.MEMCAP]++;
        this.freeTrackerState(t);
        return this.drop(v6 ? DefragCounter.V6_IGNORED : DefragCounter.V4_IGNORED);
      }
      this.hdrPage[t] = hp;
      this.hdrLen[t] = hdrLen;
      this.nhRel[t] = nhRel;
      this.fragNh[t] = fragNh;
    }
    const f = this.freeFrag[--this.freeFragTop]!;
    this.fStart[f] = start;
    this.fEnd[f] = end;
    this.fPage[f] = page;
    this.fNext[f] = NONE;
    if (this.fragTail[t] === NONE) this.fragHead[t] = f;
    else this.fNext[this.fragTail[t]!] = f;
    this.fragTail[t] = f;
    this.fragCount[t]++;
    if (!mf) this.totalLen[t] = end;
    if (this.totalLen[t]! >= 0 && this.hdrPage[t] !== NONE && this.tryReassemble(t, v6)) {
      this.counters[v6 ? DefragCounter.V6_REASSEMBLED : DefragCounter.V4_REASSEMBLED]++;
      this.freeTrackerState(t);
      return DefragStatus.COMPLETE;
    }
    return DefragStatus.HELD;
  }

  private maxEnd(t: number): number {
    let m = 0;
    for (let f = this.fragHead[t]!; f !== NONE; f = this.fNext[f]!) if (this.fEnd[f]! > m) m = this.fEnd[f]!;
    return m;
  }

  /** Paint byte ownership in arrival order through the policy table; false if a hole remains. */
  private tryReassemble(t: number, v6: boolean): boolean {
    const total = this.totalLen[t]!;
    const owner = this.owner;
    owner.fill(NONE, 0, total);
    const wins = FRAG_POLICY_TABLE[this.policy[t]!]!;
    for (let f = this.fragHead[t]!; f !== NONE; f = this.fNext[f]!) {
      const ns = this.fStart[f]!;
      const ne = this.fEnd[f]!;
      for (let b = ns; b < ne; b++) {
        const e = owner[b]!;
        if (e === NONE || wins(ns, ne, this.fStart[e]!, this.fEnd[e]!)) owner[b] = f;
      }
    }
    for (let b = 0; b < total; b++) if (owner[b] === NONE) return false;
    // Header.
    const out = this.out;
    const hl = this.hdrLen[t]!;
    this.loadBytes(this.hdrPage[t]!, 0, out, 0, hl);
    // Payload, one copy per run of bytes with the same owner.
    let b = 0;
    while (b < total) {
      const f = owner[b]!;
      let e = b + 1;
      while (e < total && owner[e] === f) e++;
      this.loadBytes(this.fPage[f]!, b - this.fStart[f]!, out, hl + b, e - b);
      b = e;
    }
    if (v6) {
      const plen = hl - 40 + total;
      out[4] = plen >>> 8;
      out[5] = plen & 0xff;
      out[this.nhRel[t]!] = this.fragNh[t]!;
    } else {
      const tl = hl + total;
      out[2] = tl >>> 8;
      out[3] = tl & 0xff;
      out[6] &= 0x40; // keep DF, clear MF and the offset
      out[7] = 0;
      out[10] = out[11] = 0;
      let sum = 0;
      for (let i = 0; i < hl; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const c = ~sum & 0xffff;
      out[10] = c >>> 8;
      out[11] = c & 0xff;
    }
    this.outLen = hl + total;
    return true;
  }

  private sameBytes(f: number, at: number, buf: Uint8Array, off: number, len: number): boolean {
    let p = this.fPage[f]!;
    let rel = at - this.fStart[f]!;
    while (rel >= PAGE) {
      p = this.pageNext[p]!;
      rel -= PAGE;
    }
    const a = this.arena;
    for (let i = 0; i < len; i++) {
      if (a[(p << PAGE_SHIFT) + rel]! !== buf[off + i]!) return false;
      if (++rel === PAGE) {
        p = this.pageNext[p]!;
        rel = 0;
      }
    }
    return true;
  }

  /** Copy len bytes into a fresh page chain; NONE when the arena is exhausted. */
  private storeBytes(buf: Uint8Array, off: number, len: number): number {
    const need = ((len + PAGE - 1) >>> PAGE_SHIFT) || 1;
    if (this.freePageTop < need) {
      this.evictOldestFor(need);
      if (this.freePageTop < need) return NONE;
    }
    let first = NONE;
    let prev = NONE;
    for (let i = 0; i < need; i++) {
      const p = this.freePage[--this.freePageTop]!;
      this.pageNext[p] = NONE;
      if (prev === NONE) first = p;
      else this.pageNext[prev] = p;
      prev = p;
      const n = Math.min(PAGE, len - i * PAGE);
      if (n > 0) this.arena.set(buf.subarray(off + i * PAGE, off + i * PAGE + n), p << PAGE_SHIFT);
    }
    return first;
  }

  private loadBytes(page: number, rel: number, dst: Uint8Array, dstOff: number, len: number): void {
    let p = page;
    while (rel >= PAGE) {
      p = this.pageNext[p]!;
      rel -= PAGE;
    }
    while (len > 0) {
      const n = Math.min(len, PAGE - rel);
      const s = (p << PAGE_SHIFT) + rel;
      dst.set(this.arena.subarray(s, s + n), dstOff);
      dstOff += n;
      len -= n;
      rel = 0;
      p = this.pageNext[p]!;
    }
  }

  private releasePages(p: number): void {
    while (p !== NONE) {
      const nx = this.pageNext[p]!;
      this.freePage[this.freePageTop++] = p;
      p = nx;
    }
  }

  /** Memory pressure: drop the least recently used trackers (counted as evictions). */
  private evictOldestFor(pages: number): void {
    while (this.freePageTop < pages && this.lruHead !== NONE) {
      this.counters[DefragCounter.EVICTIONS]++;
      this.freeTrackerState(this.lruHead);
    }
  }

  private hashKey(): number {
    const k = this.scratchKey;
    let h = 0x811c9dc5;
    for (let i = 0; i < KW; i++) h = Math.imul(h ^ k[i]!, 0x01000193);
    h ^= h >>> 15;
    return h & this.bucketMask;
  }

  private lookup(): number {
    const k = this.scratchKey;
    for (let t = this.buckets[this.hashKey()]!; t !== NONE; t = this.hashNext[t]!) {
      const b = t * KW;
      let eq = true;
      for (let i = 0; i < KW; i++) {
        if (this.key[b + i] !== k[i]) {
          eq = false;
          break;
        }
      }
      if (eq) return t;
    }
    return NONE;
  }

  private newTracker(tsUs: number, v6: boolean): number {
    if (this.freeTrackerTop === 0) {
      // Suricata returns no tracker (defrag.max_frag_hits); we first try to reuse a timed-out one,
      // which sweep() already did, so the table really is full.
      return NONE;
    }
    const t = this.freeTracker[--this.freeTrackerTop]!;
    const k = this.scratchKey;
    this.key.set(k, t * KW);
    const h = this.hashKey();
    this.hashNext[t] = this.buckets[h]!;
    this.buckets[h] = t;
    this.inUse[t] = 1;
    this.lastSeenUs[t] = tsUs;
    this.totalLen[t] = -1;
    this.fragHead[t] = NONE;
    this.fragTail[t] = NONE;
    this.fragCount[t] = 0;
    this.hdrPage[t] = NONE;
    this.hdrLen[t] = 0;
    this.policy[t] = this.policyFor(v6);
    this.lruPrev[t] = this.lruTail;
    this.lruNext[t] = NONE;
    if (this.lruTail === NONE) this.lruHead = t;
    else this.lruNext[this.lruTail] = t;
    this.lruTail = t;
    this.liveTrackers++;
    return t;
  }

  private lruTouch(t: number): void {
    if (this.lruTail === t) return;
    // unlink
    const p = this.lruPrev[t]!;
    const n = this.lruNext[t]!;
    if (p === NONE) this.lruHead = n;
    else this.lruNext[p] = n;
    if (n !== NONE) this.lruPrev[n] = p;
    // append
    this.lruPrev[t] = this.lruTail;
    this.lruNext[t] = NONE;
    this.lruNext[this.lruTail] = t;
    this.lruTail = t;
  }

  private freeTrackerState(t: number): void {
    if (this.inUse[t] === 0) return;
    for (let f = this.fragHead[t]!; f !== NONE; ) {
      const nx = this.fNext[f]!;
      this.releasePages(this.fPage[f]!);
      this.freeFrag[this.freeFragTop++] = f;
      f = nx;
    }
    if (this.hdrPage[t] !== NONE) this.releasePages(this.hdrPage[t]!);
    // unhash
    const b = t * KW;
    for (let i = 0; i < KW; i++) this.scratchKey2[i] = this.key[b + i]!;
    const h = hashWords(this.scratchKey2) & this.bucketMask;
    let prev = NONE;
    for (let c = this.buckets[h]!; c !== NONE; c = this.hashNext[c]!) {
      if (c === t) {
        if (prev === NONE) this.buckets[h] = this.hashNext[c]!;
        else this.hashNext[prev] = this.hashNext[c]!;
        break;
      }
      prev = c;
    }
    // unlink from LRU
    const p = this.lruPrev[t]!;
    const n = this.lruNext[t]!;
    if (p === NONE) this.lruHead = n;
    else this.lruNext[p] = n;
    if (n === NONE) this.lruTail = p;
    else this.lruPrev[n] = p;
    this.inUse[t] = 0;
    this.freeTracker[this.freeTrackerTop++] = t;
    this.liveTrackers--;
  }

  private readonly scratchKey2 = new Uint32Array(KW);

  private policyFor(v6: boolean): FragPolicy {
    if (this.cidrs.length === 0) return this.defaultPolicy;
    const k = this.scratchKey;
    for (const c of this.cidrs) {
      if (c.v6 !== v6) continue;
      if (prefixMatch(k, 7, c.words, c.bits)) return c.policy;
    }
    return this.defaultPolicy;
  }
}

function hashWords(k: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < KW; i++) h = Math.imul(h ^ k[i]!, 0x01000193);
  h ^= h >>> 15;
  return h;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function prefixMatch(k: Uint32Array, at: number, words: Uint32Array, bits: number): boolean {
  let i = 0;
  while (bits >= 32) {
    if (k[at + i] !== words[i]) return false;
    bits -= 32;
    i++;
  }
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((k[at + i]! & mask) >>> 0) === ((words[i]! & mask) >>> 0);
}

/** Parse "a.b.c.d/n" or an IPv6 "x::y/n" into words (IPv4 uses word 0). Config-time only. */
export function parseCidr(text: string, policy: FragPolicy): CidrEntry {
  const [addr, bitsText] = text.split('/') as [string, string | undefined];
  const words = new Uint32Array(4);
  if (addr.includes(':')) {
    const groups = expandV6(addr);
    for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
    const bits = bitsText === undefined ? 128 : Number(bitsText);
    if (!(bits >= 0 && bits <= 128)) throw new Error(`FENNEC_ERR_CIDR: bad prefix in "${text}"`);
    return { v6: true, words, bits, policy };
  }
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`FENNEC_ERR_CIDR: bad address in "${text}"`);
  words[0] = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!(bits >= 0 && bits <= 32)) throw new Error(`FENNEC_ERR_CIDR: bad prefix in "${text}"`);
  return { v6: false, words, bits, policy };
}

function expandV6(a: string): number[] {
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':').map((x) => parseInt(x, 16)) : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const g = [...h, ...new Array(fill).fill(0), ...t];
  if (g.length !== 8 || g.some((x) => !(x >= 0 && x <= 0xffff))) throw new Error(`FENNEC_ERR_CIDR: bad IPv6 address "${a}"`);
  return g;
}

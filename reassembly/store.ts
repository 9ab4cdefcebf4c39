/**
 * The segment store of every stream (one stream = one direction of one session), in typed
 * arrays indexed by stream number. Two kinds of copied bytes, both in PagePool pages:
 *   - the committed queue: contiguous in-order bytes not yet handed to the consumer (held for
 *     ACK in acked mode), packed densely into a chain of pages;
 *   - out-of-order records: bytes past a hole, one record per page-sized piece of a segment,
 *     kept in arrival order with the ORIGINAL segment extents so the overlap policy can be
 *     applied when the hole fills (policies.ts).
 * In-order bytes in immediate mode never enter the store: they pass as views of the capture
 * buffer (tcp.ts).
 */
import { PAGE, PAGE_SHIFT, PagePool } from './pages.js';
import { type Seq, seqDiff, seqAdd } from './seq.js';
import { STREAM_POLICY_TABLE } from './policies.js';

const NONE = -1;

export class SegmentStore {
  readonly pool: PagePool;
  // Committed queue per stream.
  readonly cHead: Int32Array;
  readonly cTail: Int32Array;
  readonly cHeadOff: Int32Array; // read offset in the head page
  readonly cTailLen: Int32Array; // bytes written in the tail page
  readonly cLen: Float64Array; // bytes queued
  // Out-of-order records per stream (arrival order list).
  readonly oHead: Int32Array;
  readonly oTail: Int32Array;
  readonly oBytes: Int32Array;
  readonly oCount: Int32Array;
  // Record pool.
  private readonly rSeq: Uint32Array;
  private readonly rLen: Uint16Array;
  private readonly rPage: Int32Array;
  private readonly rOrigS: Uint32Array;
  private readonly rOrigE: Uint32Array;
  private readonly rNext: Int32Array;
  private readonly rFree: Int32Array;
  private rTop: number;
  /** Page chaining for committed queues. */
  private readonly pNext: Int32Array;

  // Scratch for resolving a run.
  private readonly sorted: Int32Array;
  private owner: Int32Array;
  /** Set by resolve(): the run contained overlapping records / different bytes. */
  lastOverlap = false;
  lastDiff = false;

  constructor(streams: number, memcapBytes: number, readonly maxOooBytes: number) {
    this.pool = new PagePool(memcapBytes);
    const pages = this.pool.pages;
    this.cHead = new Int32Array(streams).fill(NONE);
    this.cTail = new Int32Array(streams).fill(NONE);
    this.cHeadOff = new Int32Array(streams);
    this.cTailLen = new Int32Array(streams);
    this.cLen = new Float64Array(streams);
    this.oHead = new Int32Array(streams).fill(NONE);
    this.oTail = new Int32Array(streams).fill(NONE);
    this.oBytes = new Int32Array(streams);
    this.oCount = new Int32Array(streams);
    this.rSeq = new Uint32Array(pages);
    this.rLen = new Uint16Array(pages);
    this.rPage = new Int32Array(pages);
    this.rOrigS = new Uint32Array(pages);
    this.rOrigE = new Uint32Array(pages);
    this.rNext = new Int32Array(pages);
    this.rFree = new Int32Array(pages);
    for (let i = 0; i < pages; i++) this.rFree[i] = pages - 1 - i;
    this.rTop = pages;
    this.pNext = new Int32Array(pages).fill(NONE);
    this.sorted = new Int32Array(pages);
    this.owner = new Int32Array(0);
  }

  get arena(): Uint8Array {
    return this.pool.arena;
  }

  // --- committed queue ---------------------------------------------------------------------

  /**
   * Append bytes to stream s's committed queue. `src` may be the arena itself (moving an
   * out-of-order record in): that path uses copyWithin and allocates nothing. Returns the
   * number of bytes stored (less than len only when the pool ran out).
   */
  append(s: number, src: Uint8Array, off: number, len: number): number {
    const arena = this.pool.arena;
    let done = 0;
    while (done < len) {
      let t = this.cTail[s]!;
      if (t === NONE || this.cTailLen[s] === PAGE) {
        const p = this.pool.alloc();
        if (p < 0) break;
        this.pNext[p] = NONE;
        if (t === NONE) {
          this.cHead[s] = p;
          this.cHeadOff[s] = 0;
        } else this.pNext[t] = p;
        this.cTail[s] = p;
        this.cTailLen[s] = 0;
        t = p;
      }
      const room = PAGE - this.cTailLen[s]!;
      const n = room < len - done ? room : len - done;
      const dst = (t << PAGE_SHIFT) + this.cTailLen[s]!;
      if (src === arena) arena.copyWithin(dst, off + done, off + done + n);
      else arena.set(src.subarray(off + done, off + done + n), dst);
      this.cTailLen[s] += n;
      done += n;
    }
    this.cLen[s] += done;
    return done;
  }

  /** Bytes readable in place at the head of the queue: returns n, with the view at arena[viewOff]. */
  peek(s: number): number {
    const h = this.cHead[s]!;
    if (h === NONE) return 0;
    const end = h === this.cTail[s] ? this.cTailLen[s]! : PAGE;
    this.viewOff = (h << PAGE_SHIFT) + this.cHeadOff[s]!;
    return end - this.cHeadOff[s]!;
  }
  viewOff = 0;

  /** Drop n bytes (n <= peek()) from the head of the queue, freeing emptied pages. */
  consume(s: number, n: number): void {
    this.cLen[s] -= n;
    const h = this.cHead[s]!;
    this.cHeadOff[s] += n;
    const end = h === this.cTail[s] ? this.cTailLen[s]! : PAGE;
    if (this.cHeadOff[s]! >= end) {
      const nx = this.pNext[h]!;
      this.pool.release(h);
      if (nx === NONE) {
        this.cHead[s] = NONE;
        this.cTail[s] = NONE;
        this.cTailLen[s] = 0;
      } else this.cHead[s] = nx;
      this.cHeadOff[s] = 0;
    }
  }

  /** Compare queued bytes at queue offset `at` with src[off..off+len): false on any difference. */
  sameCommitted(s: number, at: number, src: Uint8Array, off: number, len: number): boolean {
    const arena = this.pool.arena;
    let p = this.cHead[s]!;
    let rel = this.cHeadOff[s]! + at;
    while (p !== NONE && rel >= PAGE) {
      p = this.pNext[p]!;
      rel -= PAGE;
    }
    for (let i = 0; i < len && p !== NONE; i++) {
      if (arena[(p << PAGE_SHIFT) + rel] !== src[off + i]) return false;
      if (++rel === PAGE) {
        p = this.pNext[p]!;
        rel = 0;
      }
    }
    return true;
  }

  // --- out-of-order records ------------------------------------------------------------------

  /**
   * Queue segment bytes [seq, seq+len) that start past the stream's next expected byte. Split
   * into page-sized records carrying the segment's original extents. Returns false (nothing
   * stored) when pages or records ran out.
   */
  addOoo(s: number, sq: Seq, src: Uint8Array, off: number, len: number): boolean {
    const need = (len + PAGE - 1) >>> PAGE_SHIFT;
    if (this.pool.available < need || this.rTop < need) return false;
    const origE = seqAdd(sq, len);
    for (let done = 0; done < len; done += PAGE) {
      const n = len - done < PAGE ? len - done : PAGE;
      const p = this.pool.alloc();
      const r = this.rFree[--this.rTop]!;
      this.pool.arena.set(src.subarray(off + done, off + done + n), p << PAGE_SHIFT);
      this.rSeq[r] = seqAdd(sq, done);
      this.rLen[r] = n;
      this.rPage[r] = p;
      this.rOrigS[r] = sq;
      this.rOrigE[r] = origE;
      this.rNext[r] = NONE;
      if (this.oTail[s] === NONE) this.oHead[s] = r;
      else this.rNext[this.oTail[s]!] = r;
      this.oTail[s] = r;
      this.oCount[s]++;
      this.oBytes[s] += n;
    }
    return true;
  }

  /** Sequence number of the lowest queued out-of-order byte (only meaningful when oCount > 0). */
  oooLowest(s: number, next: Seq): Seq {
    let best = 0x7fffffff;
    for (let r = this.oHead[s]!; r !== NONE; r = this.rNext[r]!) {
      const d = seqDiff(this.rSeq[r]! as Seq, next);
      if (d < best) best = d;
    }
    return seqAdd(next, best);
  }

  /**
   * Move the contiguous run starting at `next` from the out-of-order records into the
   * committed queue, resolving overlaps with the stream's policy (records painted byte by byte
   * in arrival order; a later record takes a byte when the policy says the new segment wins
   * over the segment that currently owns it). Records wholly before `next` are dropped.
   * Returns the run length (bytes appended), or -1 if the pool ran out midway (the records
   * stay queued; nothing was appended).
   */
  resolve(s: number, next: Seq, policy: number): number {
    this.lastOverlap = false;
    this.lastDiff = false;
    if (this.oCount[s] === 0) return 0;
    // Sort record indexes by start (insertion sort: runs are short; a pathological 700-record
    // run costs ~0.1 ms, rare).
    const srt = this.sorted;
    let n = 0;
    for (let r = this.oHead[s]!; r !== NONE; r = this.rNext[r]!) {
      const d = seqDiff(this.rSeq[r]! as Seq, next);
      let i = n++;
      while (i > 0 && seqDiff(this.rSeq[srt[i - 1]!]! as Seq, next) > d) {
        srt[i] = srt[i - 1]!;
        i--;
      }
      srt[i] = r;
    }
    let runEnd = 0;
    let prevMax = -0x80000000;
    let overlap = false;
    for (let i = 0; i < n; i++) {
      const r = srt[i]!;
      const a = seqDiff(this.rSeq[r]! as Seq, next);
      const e = a + this.rLen[r]!;
      if (a > runEnd) break;
      if (e > 0 && prevMax > (a < 0 ? 0 : a)) overlap = true;
      if (e > prevMax) prevMax = e;
      if (e > runEnd) runEnd = e;
    }
    if (runEnd > 0) {
      const need = Math.ceil(runEnd / PAGE) + 1;
      if (this.pool.available < need) return -1;
    }
    const arena = this.pool.arena;
    if (runEnd > 0 && !overlap) {
      for (let i = 0; i < n; i++) {
        const r = srt[i]!;
        const a = seqDiff(this.rSeq[r]! as Seq, next);
        if (a >= runEnd) break;
        const e = a + this.rLen[r]!;
        if (e <= 0) continue;
        const skip = a < 0 ? -a : 0;
        this.append(s, arena, (this.rPage[r]! << PAGE_SHIFT) + skip, e - a - skip);
      }
    } else if (runEnd > 0) {
      this.lastOverlap = true;
      if (this.owner.length < runEnd) this.owner = new Int32Array(Math.max(runEnd, 1 << 16)); // grows once to the largest run
      const owner = this.owner;
      owner.fill(NONE, 0, runEnd);
      const wins = STREAM_POLICY_TABLE[policy]!;
      for (let r = this.oHead[s]!; r !== NONE; r = this.rNext[r]!) {
        const a = seqDiff(this.rSeq[r]! as Seq, next);
        if (a >= runEnd) continue;
        const e = a + this.rLen[r]!;
        const ns = seqDiff(this.rOrigS[r]! as Seq, next);
        const ne = seqDiff(this.rOrigE[r]! as Seq, next);
        const base = (this.rPage[r]! << PAGE_SHIFT) - a;
        for (let b = a < 0 ? 0 : a; b < e; b++) {
          const o = owner[b]!;
          if (o === NONE) {
            owner[b] = r;
            continue;
          }
          const ob = (this.rPage[o]! << PAGE_SHIFT) - seqDiff(this.rSeq[o]! as Seq, next);
          if (arena[ob + b] !== arena[base + b]) this.lastDiff = true;
          if (wins(ns, ne, seqDiff(this.rOrigS[o]! as Seq, next), seqDiff(this.rOrigE[o]! as Seq, next))) owner[b] = r;
        }
      }
      let b = 0;
      while (b < runEnd) {
        const o = owner[b]!;
        let e = b + 1;
        while (e < runEnd && owner[e] === o) e++;
        const ob = (this.rPage[o]! << PAGE_SHIFT) - seqDiff(this.rSeq[o]! as Seq, next);
        this.append(s, arena, ob + b, e - b);
        b = e;
      }
    }
    // Drop every record that starts before the run end (all of them lie inside the run or
    // before `next`).
    let prev = NONE;
    for (let r = this.oHead[s]!; r !== NONE; ) {
      const nx = this.rNext[r]!;
      const a = seqDiff(this.rSeq[r]! as Seq, next);
      if (a < runEnd || a + this.rLen[r]! <= 0) {
        this.freeRecord(s, r, prev);
      } else prev = r;
      r = nx;
    }
    return runEnd > 0 ? runEnd : 0;
  }

  private freeRecord(s: number, r: number, prev: number): void {
    const nx = this.rNext[r]!;
    if (prev === NONE) this.oHead[s] = nx;
    else this.rNext[prev] = nx;
    if (this.oTail[s] === r) this.oTail[s] = prev;
    this.oCount[s]--;
    this.oBytes[s] -= this.rLen[r]!;
    this.pool.release(this.rPage[r]!);
    this.rFree[this.rTop++] = r;
  }

  /** Free everything stream s holds. */
  clear(s: number): void {
    while (this.oHead[s] !== NONE) this.freeRecord(s, this.oHead[s]!, NONE);
    let p = this.cHead[s]!;
    while (p !== NONE) {
      const nx = this.pNext[p]!;
      this.pool.release(p);
      p = nx;
    }
    this.cHead[s] = NONE;
    this.cTail[s] = NONE;
    this.cHeadOff[s] = 0;
    this.cTailLen[s] = 0;
    this.cLen[s] = 0;
  }

  /** Drop only the out-of-order records. */
  clearOoo(s: number): void {
    while (this.oHead[s] !== NONE) this.freeRecord(s, this.oHead[s]!, NONE);
  }
}

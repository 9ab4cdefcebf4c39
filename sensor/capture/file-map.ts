/**
 * Read-only memory maps of capture files, in windows mapped into fixed slots: the parsers run
 * over the mapped pages with no copy (file.ts, `mmap: true`). The offline dispatcher's slots
 * are viewed by the packet workers at the same addresses (slotView; koffi views cannot cross
 * threads, addresses can), so each page is faulted in once per process.
 *
 * Slots. A slot is a virtual address range reserved once (anonymous, PROT_READ, NORESERVE)
 * with ONE ArrayBuffer view over it, made once. A file window is mapped into the slot with
 * MAP_FIXED (replacing what was there), and "unmapping" a window maps anonymous zero pages
 * back over it. Why, measured on bench-1g.pcap (inline pipeline, cpu ns/packet, load ~3.5):
 * - a fresh koffi view per 64 MiB window registers 64 MiB of external memory with V8 each
 *   time, and V8 answers with a scavenge + mark-compact per window ("external memory
 *   pressure" in --trace-gc): 600-643 ns/packet against 503-541 for read(2); slots make
 *   exactly one view per slot for the whole run;
 * - a view is never left over unmapped memory, so a stale view reads zeros instead of
 *   crashing with SIGSEGV (a detach is impossible: structuredClone(ab, { transfer }) copies
 *   a koffi view, 69 ms per 64 MiB, and Node 20 has no ArrayBuffer.prototype.transfer).
 * Only close() munmaps a slot, and only when no batch over it is held; a slot never closed is
 * unmapped when its ArrayBuffer is collected.
 *
 * Why windows and not one view of the whole file (koffi 3.3.4, Node 20): a view works up to
 * 4 GiB, a 4 GiB + 4 KiB view aborts the process (koffi fatal error in napi), and FrameBatch
 * offsets are Uint32. A window starts on a page boundary; a record cut by a window's end is
 * read from the next window, which starts at the page holding the record (windows overlap by
 * less than a page plus a record; nothing is copied).
 *
 * SIGBUS: touching a mapped page past the end of a file that shrank after mmap kills the
 * process (no JS handler can catch it). Each window is mapped no further than the size fstat
 * gives just before the mmap, which removes the risk for files truncated between windows;
 * a file truncated while a window over it is being parsed still crashes the reader. Use
 * `mmap: false` (read(2) path) for files another process may truncate.
 */
import * as fs from 'node:fs';
import type * as LibcModule from '../../native/libc.js';

/** Largest slot: under the 4 GiB view limit, and offsets stay far inside Uint32. */
export const MAX_WINDOW_BYTES = 1 << 30;
export const PAGE_BYTES = 4096;

let libc: typeof LibcModule | null = null;
let libcError = '';
try {
  libc = await import('../../native/libc.js');
} catch (e) {
  libcError = e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/** Why mapping is impossible in this process ("" when it is possible). */
export function mmapUnavailable(): string {
  return libc === null ? `mmap unavailable: ${libcError}` : '';
}

/** Why the last slot operation failed. */
export let lastMapError = '';

const EMPTY = new Uint8Array(0);

/**
 * A slot nobody called destroy() on is unmapped once its ArrayBuffer is garbage: then no view
 * of it can exist, so the munmap cannot fault anyone (sources read to their end but never
 * closed, e.g. in tests, give their address range back this way).
 */
const unreachable = new FinalizationRegistry<{ ptr: LibcModule.Pointer; size: number }>((h) => {
  libc?.munmap(h.ptr, h.size);
});

/**
 * A reserved address range holding at most one file window: bytes [base, base + len) of the
 * file are buf[0 .. len). `refs` and `retired` are file.ts's batch bookkeeping.
 */
export class WindowSlot {
  buf: Uint8Array;
  view: DataView;
  base = 0;
  len = 0;
  /** The file's size when the current window was mapped (fstat just before mmap). */
  fileSize = 0;
  /** Batches handed out over this slot and not released. */
  refs = 0;
  /** The reader moved on: clear() when refs reaches 0. */
  retired = false;
  /** Bytes at the slot start currently mapped from a file (the rest is anonymous). */
  private mapped = 0;
  /** Start of the reserved range (for slotView in other threads). */
  readonly address: bigint;
  private ptr: LibcModule.Pointer | null;

  private constructor(readonly size: number, ptr: LibcModule.Pointer) {
    this.ptr = ptr;
    this.address = libc!.address(ptr);
    const ab = libc!.view(ptr, size);
    this.buf = new Uint8Array(ab);
    this.view = new DataView(ab);
    unreachable.register(ab, { ptr, size }, this);
  }

  /** Reserve a slot of `size` bytes (rounded up to pages); null when mmap is impossible. */
  static create(size: number): WindowSlot | null {
    if (libc === null) {
      lastMapError = mmapUnavailable();
      return null;
    }
    const n = Math.ceil(Math.min(size, MAX_WINDOW_BYTES) / PAGE_BYTES) * PAGE_BYTES;
    const p = libc.mmap(n, libc.PROT_READ, libc.MAP_PRIVATE | libc.MAP_ANONYMOUS | libc.MAP_NORESERVE, -1, 0);
    if (p === null) {
      lastMapError = `mmap reserve failed: ${libc.lastError()}`;
      return null;
    }
    return new WindowSlot(n, p);
  }

  /**
   * Map the window of `fd` that starts at the page holding `start` and holds up to `want`
   * bytes from `start` (clipped to the slot and to the file's size now). False (and
   * lastMapError) when mmap fails or the file ends at or before `start`; the slot is then empty.
   */
  map(fd: number, start: number, want: number): boolean {
    const lc = libc!;
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (e) {
      lastMapError = (e as Error).message;
      this.clear();
      return false;
    }
    const base = start - (start % PAGE_BYTES);
    const len = Math.min(want + (start - base), size - base, this.size);
    if (start >= size || len <= start - base) {
      lastMapError = `file is ${size} bytes, nothing to map at offset ${start}`;
      this.clear();
      return false;
    }
    if (lc.mmapAt(this.address, len, lc.PROT_READ, lc.MAP_SHARED | lc.MAP_FIXED, fd, base) !== this.address) {
      lastMapError = `mmap failed: ${lc.lastError()}`;
      // A failed MAP_FIXED may have removed the old mapping: put zero pages back over the slot.
      this.mapped = this.size;
      this.clear();
      return false;
    }
    // Read-ahead hint; a failure only costs speed.
    lc.madviseAt(this.address, len, lc.MADV_SEQUENTIAL);
    if (this.mapped > len) this.anon(len, this.mapped - len);
    this.mapped = len;
    this.base = base;
    this.len = len;
    this.fileSize = size;
    this.retired = false;
    return true;
  }

  /** Drop the file window (zero pages in its place; its page-cache pages leave our RSS). */
  clear(): void {
    if (this.mapped > 0) this.anon(0, this.mapped);
    this.mapped = 0;
    this.base = 0;
    this.len = 0;
  }

  /** Give the address range back (only when no view of it will be read again). */
  destroy(): void {
    if (this.ptr === null) return;
    unreachable.unregister(this);
    libc!.munmap(this.ptr, this.size);
    this.ptr = null;
    this.mapped = 0;
    this.len = 0;
    this.buf = EMPTY;
  }

  private anon(off: number, len: number): void {
    const lc = libc!;
    const len2 = Math.ceil(len / PAGE_BYTES) * PAGE_BYTES;
    lc.mmapAt(this.address + BigInt(off), len2, lc.PROT_READ, lc.MAP_PRIVATE | lc.MAP_ANONYMOUS | lc.MAP_NORESERVE | lc.MAP_FIXED, -1, 0);
  }
}

/**
 * A view of a slot another thread of this process reserved (WindowSlot.address/size): packet
 * workers read frames from the dispatcher's windows through it. The slot's owner keeps the
 * range mapped while any descriptor into it is unread.
 */
export function slotView(address: bigint, size: number): Uint8Array {
  if (libc === null) throw new Error(mmapUnavailable());
  return new Uint8Array(libc.viewOfAddress(address, size));
}

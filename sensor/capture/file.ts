/**
 * Offline capture input: one or more pcap/pcapng files (or directories of them) read in order
 * as one CaptureSource, in big chunks with constant memory.
 *
 * Reading: each file is read with fs.readSync into fixed chunks (default 4 MiB, see NOTES.md
 * for the 1/4/16 MiB measurement). Frames are delivered as offsets into the chunk (zero
 * copy); a batch holds up to MAX_BATCH frames, all from one chunk and one file. A record
 * that straddles the end of a chunk is carried: its head is copied to the start of the next
 * chunk and the rest read behind it (one copy of < 1 record per chunk, never per frame).
 * With `mmap: true` regular files are mapped in windows instead (file-map.ts): a batch's data
 * is the window, `dataBase` its file offset, and no byte is copied; see file-NOTES.md for why
 * this is not the default.
 *
 * Chunk pool and batch ownership:
 * - default (`shared: false`): one chunk, one batch, single consumer. A batch is valid until
 *   release(batch) or the next next() call, whichever comes first (next() releases the
 *   previous batch implicitly).
 * - `shared: true, poolChunks: K`: K chunks on SharedArrayBuffers (and each batch's arrays on
 *   one SharedArrayBuffer), so a dispatcher can hand (chunk, offsets) to worker_threads
 *   without copying. Any number of batches may be outstanding; a chunk is not reused while a
 *   batch from it is unreleased. Backpressure: when the reader needs a fresh chunk and all K
 *   are held, next() returns null with `done === false`; release some batches and call again.
 *   release() must be called exactly once per batch (a second call is ignored).
 *
 * Errors: opening checks every file (exists, readable, capture magic) and throws an Error
 * whose one-line message names the file. Damage found while reading (truncated record,
 * absurd caplen, bad block length or trailer, ...) never throws: the frames before it are
 * delivered, then `error` = "FILE: offset N: reason" and `done` = true.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_BATCH, type CaptureSource, type CaptureStats, type FrameBatch } from './source.js';
import { Stop, type FormatParser, MAX_CAPLEN } from './file-format.js';
import { PcapParser, pcapMagic } from './pcap.js';
import { PcapngParser, isPcapng } from './pcapng.js';
import { PAGE_BYTES, WindowSlot, lastMapError, mmapUnavailable } from './file-map.js';

export interface FileSourceOptions {
  /**
   * Bytes per chunk (default 4 MiB; minimum 4 KiB). Below 256 KiB + 64 a legal big record may
   * not fit and is reported as damage ("record larger than the chunk"): small chunks are for
   * tests of the chunk-boundary logic.
   */
  chunkBytes?: number;
  /** Allocate chunks and batch arrays on SharedArrayBuffer for multi-worker dispatch. */
  shared?: boolean;
  /** Chunks in the pool when shared (default 8). The non-shared reader uses one. */
  poolChunks?: number;
  /** Frames per batch (default MAX_BATCH). */
  batchFrames?: number;
  /**
   * Map regular files read-only and parse the mapped pages in place; files whose mapping fails
   * are read with read(2) into chunks. Default false (MMAP_DEFAULT): see file-NOTES.md, mapping
   * measured ~10 % more CPU per packet than read(2) on this project's VM.
   */
  mmap?: boolean;
  /** Bytes per mapped window (default DEFAULT_WINDOW_BYTES, at most 1 GiB). */
  windowBytes?: number;
  /** Window slots when shared (default poolChunks); a slot is reused only when no batch over it is held. */
  poolWindows?: number;
}

export const DEFAULT_CHUNK_BYTES = 4 << 20;
/**
 * Whether files are mapped when the caller does not say. Off: on bench-1g.pcap (2-core
 * Firecracker VM, inline pipeline, median of 3 interleaved runs) mapped reading cost 520 ns of
 * CPU per packet against 470-484 for read(2): the page faults and page-table teardown of the
 * mapping cost more than the kernel's copy from the page cache. See file-NOTES.md.
 */
export const MMAP_DEFAULT = false;
/** Mapped window size: see file-NOTES.md for the 16/64/256 MiB measurement. */
export const DEFAULT_WINDOW_BYTES = 16 << 20;
const MIN_CHUNK_BYTES = 4096;
/** Extensions picked from a directory (the format is then decided by the magic). */
const CAPTURE_EXTENSIONS = ['.pcap', '.pcapng', '.cap'];

export type CaptureFormat = 'pcap' | 'pcapng';

/** Per-file counters. */
export interface FileStats {
  path: string;
  format: CaptureFormat;
  size: number;
  frames: number;
  /** Captured bytes (sum of caplen). */
  bytes: number;
  /** Bytes on the wire (sum of wirelen). */
  wireBytes: number;
  /** Interfaces declared (pcapng IDBs over all sections; 1 for pcap). */
  interfaces: number;
}

/** A batch of this source: a FrameBatch plus which chunk and file its frames come from. */
export interface FileBatch extends FrameBatch {
  /**
   * Index of the pool chunk `data` is (see FileSource.chunkBuffers), or -1 when `data` is a
   * mapped window (then `slot` is its index in FileSource.windowSlots()).
   */
  chunk: number;
  slot: number;
  /** File offset of data[0]: frame i is at file offset dataBase + offset[i]. */
  dataBase: number;
  /** The window slot `data` is (when chunk === -1). */
  window: WindowSlot | null;
  /** Index into FileSource.files(). */
  file: number;
  /** Outstanding (not yet released). */
  held: boolean;
}

interface Chunk {
  buf: Uint8Array;
  view: DataView;
  /** Batches handed out and not released. */
  refs: number;
}

/** Expand directories, check every file, return [path, format] in reading order. Throws with a one-line message. */
export function resolveCaptureFiles(paths: string[]): { path: string; format: CaptureFormat }[] {
  const out: { path: string; format: CaptureFormat }[] = [];
  if (paths.length === 0) throw new Error('no capture files given');
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw new Error(`${p}: ${errText(e)}`);
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(p);
      } catch (e) {
        throw new Error(`${p}: ${errText(e)}`);
      }
      const picked = names.filter((n) => CAPTURE_EXTENSIONS.some((x) => n.toLowerCase().endsWith(x))).sort();
      if (picked.length === 0) throw new Error(`${p}: directory has no .pcap/.pcapng/.cap files`);
      for (const n of picked) {
        const f = path.join(p, n);
        out.push({ path: f, format: detectFormat(f) });
      }
    } else {
      out.push({ path: p, format: detectFormat(p) });
    }
  }
  return out;
}

/** The format of a file by its magic; throws "FILE: reason" when it is not a capture file. */
export function detectFormat(file: string): CaptureFormat {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`${file}: ${errText(e)}`);
  }
  const head = new Uint8Array(24);
  let got = 0;
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error(`${file}: not a regular file`);
    got = fs.readSync(fd, head, 0, 24, 0);
  } catch (e) {
    throw new Error(e instanceof Error && e.message.startsWith(file) ? e.message : `${file}: ${errText(e)}`);
  } finally {
    fs.closeSync(fd);
  }
  if (got >= 4 && pcapMagic(head[0], head[1], head[2], head[3]) !== 0) {
    if (got < 24) throw new Error(`${file}: truncated pcap file header (${got} bytes)`);
    return 'pcap';
  }
  if (isPcapng(head.subarray(0, got))) return 'pcapng';
  if (got === 0) throw new Error(`${file}: empty file, not a capture file`);
  const hex = Buffer.from(head.subarray(0, Math.min(got, 4))).toString('hex');
  throw new Error(`${file}: not a pcap or pcapng file (starts with ${hex})`);
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'ENOENT') return 'no such file or directory';
  if (err && err.code === 'EACCES') return 'permission denied';
  if (err && err.code === 'EISDIR') return 'is a directory';
  return err && err.message ? err.message.split('\n')[0] : String(e);
}

export class FileSource implements CaptureSource {
  readonly name: string;
  done = false;
  error: string | null = null;
  private readonly inputs: { path: string; format: CaptureFormat }[];
  private readonly fileStats: FileStats[];
  private readonly chunkBytes: number;
  private readonly shared: boolean;
  private readonly batchFrames: number;
  private readonly chunks: Chunk[];
  private readonly freeBatches: FileBatch[] = [];
  /** Non-shared mode: the one batch, implicitly released by next(). */
  private lastBatch: FileBatch | null = null;
  private readonly pcap = new PcapParser();
  private readonly pcapng: PcapngParser;
  private parser: FormatParser;
  /** Current file: index, descriptor, size, next byte to read. */
  private fileIndex = -1;
  private fd = -1;
  private fileSize = 0;
  private filePos = 0;
  /** Current chunk: index, parse position, end of valid bytes, file offset of byte 0. */
  private cur = 0;
  private pos = 0;
  private end = 0;
  private base = 0;
  private packets = 0;
  private bytes = 0;
  private wireBytes = 0;
  private stalls = 0;
  private carried = 0;
  private lastFile = -1;
  /** mmap path: wanted, the current file is mapped, its current window. */
  private readonly useMmap: boolean;
  private readonly windowBytes: number;
  private mapped = false;
  /** Window slots (created on first use; one, or poolChunks when shared); the current one. */
  private readonly slots: WindowSlot[] = [];
  private readonly maxSlots: number;
  private win: WindowSlot | null = null;
  private mappedFiles = 0;
  private mapFallbacks = 0;
  private closed = false;
  /** freeSlot() found every slot held. */
  private slotsHeld = false;
  private windows = 0;
  /** Why the last mapping failed and the read path was used ("" when it never did). */
  mmapFallbackReason = '';

  constructor(paths: string[], opts: FileSourceOptions = {}) {
    this.inputs = resolveCaptureFiles(paths);
    this.name = this.inputs.length === 1 ? `${this.inputs[0].format}:${this.inputs[0].path}` : `files:${this.inputs.length}:${paths.join(',')}`;
    this.fileStats = this.inputs.map((f) => ({ path: f.path, format: f.format, size: 0, frames: 0, bytes: 0, wireBytes: 0, interfaces: 0 }));
    this.chunkBytes = Math.max(MIN_CHUNK_BYTES, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    this.shared = opts.shared === true;
    this.batchFrames = Math.max(1, Math.min(opts.batchFrames ?? MAX_BATCH, 1 << 20));
    const k = this.shared ? Math.max(2, opts.poolChunks ?? 8) : 1;
    this.chunks = [];
    for (let i = 0; i < k; i++) {
      const buf = this.shared ? new Uint8Array(new SharedArrayBuffer(this.chunkBytes)) : new Uint8Array(this.chunkBytes);
      this.chunks.push({ buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength), refs: 0 });
    }
    this.pcapng = new PcapngParser(this.chunkBytes);
    this.parser = this.pcap;
    this.useMmap = opts.mmap ?? MMAP_DEFAULT;
    // A window must hold the largest record the parsers accept whole (a chunk's worth).
    this.windowBytes = Math.max(this.chunkBytes + PAGE_BYTES, Math.min(opts.windowBytes ?? DEFAULT_WINDOW_BYTES, 1 << 30));
    this.maxSlots = this.shared ? Math.max(2, opts.poolWindows ?? k) : 1;
    if (this.useMmap && mmapUnavailable() !== '') this.mmapFallbackReason = mmapUnavailable();
  }

  /** The pool's chunk memory (SharedArrayBuffer-backed when shared), indexed by FileBatch.chunk. */
  chunkBuffers(): readonly Uint8Array[] {
    return this.chunks.map((c) => c.buf);
  }

  /** Per-file counters, in reading order (counts grow as the file is read). */
  files(): readonly FileStats[] {
    return this.fileStats;
  }

  /** Path of the file the last returned batch came from ("" before the first batch). */
  get currentFile(): string {
    return this.lastFile < 0 ? '' : this.inputs[this.lastFile].path;
  }

  /** FCS bytes at the end of each frame of the current file's first interface (0 none, -1 unknown). */
  get fcsBytes(): number {
    return this.parser.fcsBytes;
  }

  next(_timeoutMs = 0): FileBatch | null {
    if (this.lastBatch !== null) this.release(this.lastBatch);
    if (this.done) return null;
    const batch = this.takeBatch();
    for (;;) {
      if (this.done || (this.fd < 0 && !this.openNext())) {
        this.putBatch(batch);
        return null;
      }
      const p = this.parser;
      const framesBefore = p.frames;
      const capBefore = p.capBytes;
      const wireBefore = p.wireBytes;
      if (this.mapped) {
        const w = this.win;
        if (w === null) {
          // The file's first window is not mapped yet (every slot was held).
          if (!this.remap(0)) {
            this.stalls++;
            this.putBatch(batch);
            return null;
          }
          continue;
        }
        this.pos = p.fill(w.buf, w.view, this.pos, this.end, this.base, batch);
      } else {
        const c = this.chunks[this.cur];
        this.pos = p.fill(c.buf, c.view, this.pos, this.end, this.base, batch);
      }
      this.account(p, framesBefore, capBefore, wireBefore);
      const stop = p.stop;
      if (stop === Stop.FULL) return this.handOut(batch);
      if (stop === Stop.DAMAGE) {
        // Hand the frames out before fail() closes the file (and retires its window).
        const out = batch.count > 0 ? this.handOut(batch) : null;
        this.fail(`${this.inputs[this.fileIndex].path}: offset ${p.damageAt}: ${p.reason}`);
        if (out === null) this.putBatch(batch);
        return out;
      }
      // NEED or SKIP: first deliver what this chunk gave, so a batch never spans two chunks.
      if (batch.count > 0) return this.handOut(batch);
      if (stop === Stop.SKIP) {
        this.filePos += p.skip;
        this.pos = this.end;
        if (this.filePos > this.fileSize) {
          this.fail(`${this.inputs[this.fileIndex].path}: offset ${this.base + this.end}: truncated block (${this.filePos - this.fileSize} bytes missing)`);
          this.putBatch(batch);
          return null;
        }
      }
      const tail = this.end - this.pos;
      if (this.filePos >= this.fileSize) {
        if (tail > 0) {
          const need = stop === Stop.NEED ? p.need : tail;
          this.fail(`${this.inputs[this.fileIndex].path}: offset ${this.base + this.pos}: truncated record (${tail} of ${need} bytes)`);
          this.putBatch(batch);
          return null;
        }
        this.closeFile();
        continue;
      }
      if (this.mapped) {
        // The next window starts at the page holding the unparsed tail; nothing is copied.
        if (!this.remap(stop === Stop.NEED ? p.need : 0)) {
          this.stalls++;
          this.putBatch(batch);
          return null;
        }
        continue;
      }
      if (stop === Stop.NEED && p.need > this.chunkBytes) {
        this.fail(`${this.inputs[this.fileIndex].path}: offset ${this.base + this.pos}: record of ${p.need} bytes larger than the ${this.chunkBytes}-byte chunk`);
        this.putBatch(batch);
        return null;
      }
      if (!this.refill()) {
        // Backpressure: every chunk still has unreleased batches.
        this.stalls++;
        this.putBatch(batch);
        return null;
      }
    }
  }

  release(batch: FrameBatch): void {
    const b = batch as FileBatch;
    if (!b.held) return;
    b.held = false;
    const w = b.window;
    if (w !== null) {
      b.window = null;
      if (--w.refs === 0 && w.retired) {
        if (this.closed) w.destroy();
        else w.clear();
      }
    } else {
      this.chunks[b.chunk].refs--;
    }
    if (b === this.lastBatch) this.lastBatch = null;
    this.freeBatches.push(b);
  }

  stats(): CaptureStats {
    return {
      packets: this.packets,
      bytes: this.bytes,
      drops: 0,
      wireBytes: this.wireBytes,
      files: this.inputs.length,
      filesDone: this.fileIndex < 0 ? 0 : this.done ? this.inputs.length : this.fileIndex,
      chunkStalls: this.stalls,
      carriedBytes: this.carried,
      mappedFiles: this.mappedFiles,
      mmapFallbacks: this.mapFallbacks,
      mappedWindows: this.windows,
    };
  }

  /** Close the input. Slots no batch holds are unmapped now, held ones when released. */
  close(): void {
    // The implicit batch of the single-consumer mode ends with the source.
    if (this.lastBatch !== null) this.release(this.lastBatch);
    this.closeFile();
    this.done = true;
    this.closed = true;
    for (const sl of this.slots) if (sl.refs === 0) sl.destroy();
  }

  private account(p: FormatParser, frames: number, cap: number, wire: number): void {
    const df = p.frames - frames;
    if (df === 0) return;
    const dc = p.capBytes - cap;
    const dw = p.wireBytes - wire;
    const fs1 = this.fileStats[this.fileIndex];
    fs1.frames += df;
    fs1.bytes += dc;
    fs1.wireBytes += dw;
    this.packets += df;
    this.bytes += dc;
    this.wireBytes += dw;
  }

  private handOut(batch: FileBatch): FileBatch {
    if (this.mapped) {
      const w = this.win!;
      batch.data = w.buf;
      batch.chunk = -1;
      batch.slot = this.slots.indexOf(w);
      batch.window = w;
      w.refs++;
    } else {
      batch.data = this.chunks[this.cur].buf;
      batch.chunk = this.cur;
      batch.slot = -1;
      this.chunks[this.cur].refs++;
    }
    batch.dataBase = this.base;
    batch.file = this.fileIndex;
    batch.held = true;
    this.lastFile = this.fileIndex;
    if (!this.shared) this.lastBatch = batch;
    this.fileStats[this.fileIndex].interfaces = this.parser.interfaces;
    return batch;
  }

  private takeBatch(): FileBatch {
    const b = this.freeBatches.pop();
    if (b !== undefined) {
      b.count = 0;
      return b;
    }
    return this.newBatch();
  }

  private putBatch(b: FileBatch): void {
    b.count = 0;
    this.freeBatches.push(b);
  }

  private newBatch(): FileBatch {
    const n = this.batchFrames;
    // One buffer for all arrays (8-byte ones first for alignment): 4+4+4+8+2+2+4 = 28 bytes/frame.
    const bytes = n * 28;
    const ab: ArrayBufferLike = this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    let o = 0;
    const tsUs = new Float64Array(ab, o, n);
    o += n * 8;
    const offset = new Uint32Array(ab, o, n);
    o += n * 4;
    const caplen = new Uint32Array(ab, o, n);
    o += n * 4;
    const wirelen = new Uint32Array(ab, o, n);
    o += n * 4;
    const vlan = new Int32Array(ab, o, n).fill(-1);
    o += n * 4;
    const linktype = new Uint16Array(ab, o, n);
    o += n * 2;
    const iface = new Uint16Array(ab, o, n);
    return {
      count: 0, data: this.chunks[0].buf, offset, caplen, wirelen, tsUs, linktype, iface, vlan, chunk: 0, slot: -1, dataBase: 0, window: null, file: -1, held: false,
    };
  }

  /** Open the next input file into a fresh chunk; false when there is none (done) or it failed. */
  private openNext(): boolean {
    const i = this.fileIndex + 1;
    if (i >= this.inputs.length) {
      this.done = true;
      return false;
    }
    this.fileIndex = i;
    const f = this.inputs[i];
    try {
      this.fd = fs.openSync(f.path, 'r');
      this.fileSize = fs.fstatSync(this.fd).size;
    } catch (e) {
      this.fail(`${f.path}: offset 0: ${errText(e)}`);
      return false;
    }
    this.fileStats[i].size = this.fileSize;
    this.parser = f.format === 'pcap' ? this.pcap : this.pcapng;
    this.parser.reset();
    this.filePos = 0;
    this.pos = 0;
    this.end = 0;
    this.base = 0;
    this.mapped = false;
    if (this.useMmap && mmapUnavailable() === '') {
      // Parse from offset 0 of an empty window; remap() maps the first window (or falls back).
      this.mapped = true;
      if (!this.remap(0)) this.stalls++;
      return true;
    }
    // Start the file in an empty chunk; refill() picks a free one.
    if (!this.refill()) {
      // No free chunk yet: retry on the next call with the file open and nothing buffered.
      this.stalls++;
    }
    return true;
  }

  /** A slot no batch holds: the current one, a free one, or a new one; null when all are held or mmap failed. */
  private freeSlot(): WindowSlot | null {
    const cur = this.win;
    this.slotsHeld = false;
    if (cur !== null && cur.refs === 0) return cur;
    for (const sl of this.slots) if (sl.refs === 0) return sl;
    if (this.slots.length >= this.maxSlots) {
      this.slotsHeld = true;
      return null;
    }
    const sl = WindowSlot.create(this.windowBytes);
    if (sl !== null) this.slots.push(sl);
    return sl;
  }

  /**
   * Reserve every window slot now (shared mode) and say where they are, so other threads can
   * view them (slotView); [] when files are not mapped. Indexed by FileBatch.slot.
   */
  windowSlots(): { address: bigint; size: number }[] {
    if (!this.useMmap || mmapUnavailable() !== '') return [];
    while (this.slots.length < this.maxSlots) {
      const sl = WindowSlot.create(this.windowBytes);
      if (sl === null) break;
      this.slots.push(sl);
    }
    return this.slots.map((sl) => ({ address: sl.address, size: sl.size }));
  }

  /** Retire the current window: cleared now, or when its last batch is released. */
  private retireWindow(): void {
    const w = this.win;
    if (w === null) return;
    this.win = null;
    w.retired = true;
    if (w.refs === 0) w.clear();
  }

  /**
   * Map the next window of the current file, starting at the page holding the unparsed tail
   * (`need` bytes from there are wanted). False when every slot is held (backpressure; nothing
   * changed). If mmap fails, the file continues on the read path from the same offset.
   */
  private remap(need: number): boolean {
    const start = this.filePos - (this.end - this.pos);
    if (need + PAGE_BYTES > this.windowBytes) {
      this.fail(`${this.inputs[this.fileIndex].path}: offset ${start}: record of ${need} bytes larger than the ${this.windowBytes}-byte window`);
      return true;
    }
    const sl = this.freeSlot();
    if (sl === null && this.slotsHeld) return false;
    if (sl !== this.win) this.retireWindow();
    if (sl !== null && sl.map(this.fd, start, Math.min(this.windowBytes, this.fileSize - start))) {
      this.win = sl;
      this.windows++;
      this.base = sl.base;
      this.pos = start - sl.base;
      this.end = sl.len;
      this.filePos = sl.base + sl.len;
      // Mapped no further than fstat's size at mmap time: a file that shrank ends there.
      if (sl.fileSize < this.fileSize) this.fileSize = sl.fileSize;
      if (start === 0) this.mappedFiles++;
      return true;
    }
    this.win = null;
    this.mapFallbacks++;
    this.mmapFallbackReason = `${this.inputs[this.fileIndex].path}: ${lastMapError}`;
    this.mapped = false;
    this.base = start;
    this.pos = this.end = 0;
    this.filePos = start;
    if (!this.refill()) this.stalls++;
    return true;
  }

  /**
   * Move the unparsed tail [pos, end) to the start of a free chunk and fill the rest from the
   * file. False when every chunk is held (the tail stays where it is).
   */
  private refill(): boolean {
    let k = -1;
    const curChunk = this.chunks[this.cur];
    if (curChunk.refs === 0) k = this.cur;
    else {
      for (let i = 0; i < this.chunks.length; i++) {
        if (this.chunks[i].refs === 0) {
          k = i;
          break;
        }
      }
    }
    if (k < 0) return false;
    const dst = this.chunks[k].buf;
    const tail = this.end - this.pos;
    if (tail > 0) {
      if (k === this.cur) dst.copyWithin(0, this.pos, this.end);
      else dst.set(curChunk.buf.subarray(this.pos, this.end), 0);
      this.carried += tail;
    }
    // File offset of the tail (base + pos, except after a skip, when it is past the skipped block).
    this.base = this.filePos - tail;
    this.cur = k;
    this.pos = 0;
    this.end = tail;
    const want = Math.min(this.chunkBytes - tail, this.fileSize - this.filePos);
    let got = 0;
    while (got < want) {
      let r: number;
      try {
        r = fs.readSync(this.fd, dst, tail + got, want - got, this.filePos + got);
      } catch (e) {
        this.fail(`${this.inputs[this.fileIndex].path}: offset ${this.filePos + got}: read failed: ${errText(e)}`);
        return true;
      }
      if (r === 0) break; // file shrank while reading: treated as its end
      got += r;
    }
    if (got < want) this.fileSize = this.filePos + got;
    this.filePos += got;
    this.end = tail + got;
    return true;
  }

  private fail(msg: string): void {
    if (this.error === null) this.error = msg;
    this.done = true;
    this.closeFile();
  }

  private closeFile(): void {
    this.retireWindow();
    this.mapped = false;
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing a read-only descriptor cannot lose data
      }
      this.fd = -1;
    }
  }
}

/** Open files and/or directories as one capture input. Throws (one line, naming the file) if any is not a readable capture file. */
export function openCaptureFiles(paths: string[], opts: FileSourceOptions = {}): FileSource {
  return new FileSource(paths, opts);
}

/** Totals from readAll(). */
export interface ReadSummary {
  frames: number;
  bytes: number;
  wireBytes: number;
  batches: number;
  error: string | null;
}

/**
 * Read a source to its end, calling onBatch for each batch (then releasing it). For tests and
 * benchmarks. Backpressure cannot happen here since every batch is released at once.
 */
export function readAll(src: CaptureSource, onBatch?: (b: FrameBatch) => void): ReadSummary {
  let frames = 0;
  let bytes = 0;
  let wireBytes = 0;
  let batches = 0;
  while (!src.done) {
    const b = src.next(0);
    if (b === null) continue;
    batches++;
    frames += b.count;
    for (let i = 0; i < b.count; i++) {
      bytes += b.caplen[i];
      wireBytes += b.wirelen[i];
    }
    if (onBatch) onBatch(b);
    src.release(b);
  }
  return { frames, bytes, wireBytes, batches, error: src.error };
}

/** Keep MAX_CAPLEN visible to callers that size their own buffers. */
export { MAX_CAPLEN };

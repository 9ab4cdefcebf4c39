/**
 * The offline dispatcher thread: parses the capture files and hands each frame to the thread
 * that owns its flow (64 buckets of a symmetric hash of the outermost IP pair, route.ts) by
 * writing a descriptor (buffer, offset, lengths, time) into that worker's ring, or processes
 * it in its own pipeline when the bucket is its own (selfBuckets: with 2 workers this thread
 * is one of them). Frames stay where the reader put them: in shared read(2) chunks, or in
 * mapped window slots (mmap: true, capture/file-map.ts) that every worker views at the same
 * address. A chunk or slot is reused only once every worker has read past the last
 * descriptor pointing into it. Every worker also gets a TICK per batch, so its clock follows
 * the capture's even when none of its flows are active.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { openCaptureFiles, type FileBatch } from '../capture/file.js';
import { buildPipeline, type SensorConfig } from '../build.js';
import type { FlowRecord } from '../flow/record.js';
import type { AlertRecord } from '../output/alert-record.js';
import { dispatchHash } from './hash.js';
import { BUCKETS } from './route.js';
import {
  C_READ, C_SLEEP, C_WRITE, E_CAPLEN, E_CHUNK, E_FILE, E_LINK, E_OFFSET, E_VLAN, E_WIRELEN, ENTRY_WORDS, KIND_END, KIND_TICK, openRing, type Ring,
} from './ring.js';

export interface DispatcherData {
  paths: string[];
  rings: SharedArrayBuffer[];
  /** Int32Array over it: [0] = stop requested (SIGINT), [1] = pause (store backpressure). */
  control: SharedArrayBuffer;
  chunkBytes?: number;
  poolChunks?: number;
  /** Map the files (workers view the mapped windows) instead of read(2) into shared chunks; default MMAP_DEFAULT (off). */
  mmap?: boolean;
  /**
   * Process a share of the flows here too: `buckets` of the 64 hash buckets (see selfBuckets)
   * go to a pipeline in this thread instead of a ring. Absent: dispatch only.
   */
  self?: { buckets: number; config: SensorConfig };
}

export type DispatcherMessage =
  | { type: 'ready'; chunks: SharedArrayBuffer[]; slots: { address: bigint; size: number }[]; files: string[] }
  | { type: 'done'; error: string | null; packets: number; bytes: number; lastTsUs: number; mappedFiles: number; busyMs: number; waitMs: number;
    /** The counters of this thread's own pipeline (when `self` was given). */
    stats: Record<string, number> | null }
  | { type: 'flows'; records: FlowRecord[] }
  | { type: 'alerts'; records: AlertRecord[] }
  | { type: 'fatal'; error: string };

const RECORD_BATCH = 2048;

function main(): void {
  const wd = workerData as DispatcherData;
  const port = parentPort!;
  let src;
  try {
    // 8 chunks of 4 MiB (or 8 window slots of 16 MiB) in flight: 2 workers on bench-1g ran at
    // the same speed with 4, 8 and 16 chunks (within noise, 1.52-1.67 Mpps); peak RSS 175, 200
    // and 226 MiB.
    src = openCaptureFiles(wd.paths, { shared: true, poolChunks: wd.poolChunks ?? 8, poolWindows: 8, chunkBytes: wd.chunkBytes, mmap: wd.mmap });
  } catch (err) {
    port.postMessage({ type: 'fatal', error: (err as Error).message } satisfies DispatcherMessage);
    return;
  }
  const files = src.files().map((f) => f.path);
  port.postMessage({
    type: 'ready', chunks: src.chunkBuffers().map((u) => u.buffer as SharedArrayBuffer), slots: src.windowSlots(), files,
  } satisfies DispatcherMessage);
  port.once('message', () => run(src, wd, port));
}

function run(src: ReturnType<typeof openCaptureFiles>, wd: DispatcherData, port: NonNullable<typeof parentPort>): void {
  const rings: Ring[] = wd.rings.map(openRing);
  const n = rings.length;
  const control = new Int32Array(wd.control);
  const write = new Int32Array(n);
  for (let w = 0; w < n; w++) write[w] = Atomics.load(rings[w].ctrl, C_WRITE);
  /** Entries known free in ring w (re-read from the worker's index only when used up). */
  const room = new Int32Array(n);
  /** Read-path batches still referenced by descriptors, with each ring's write index after them. */
  const held: { batch: FileBatch; pos: Int32Array }[] = [];
  let packets = 0, bytes = 0, lastTs = 0;
  let waitMs = 0;
  const t0 = performance.now();

  const publish = () => {
    for (let w = 0; w < n; w++) {
      const ctrl = rings[w].ctrl;
      Atomics.store(ctrl, C_WRITE, write[w]);
      // Seq-cst store then load: either the worker sees the new WRITE before it sleeps, or we see it asleep.
      if (Atomics.load(ctrl, C_SLEEP) !== 0) Atomics.notify(ctrl, C_WRITE);
    }
  };
  const releaseDone = () => {
    while (held.length > 0) {
      const h = held[0];
      for (let w = 0; w < n; w++) if (((Atomics.load(rings[w].ctrl, C_READ) - h.pos[w]) | 0) < 0) return;
      src.release(h.batch);
      held.shift();
    }
  };
  /** Ring w is full: publish and wait until the worker frees entries; sets room[w]. */
  const waitRoom = (w: number) => {
    const ring = rings[w];
    const tw = performance.now();
    for (;;) {
      const free = ring.size - ((write[w] - Atomics.load(ring.ctrl, C_READ)) | 0);
      if (free > 0) {
        room[w] = free;
        break;
      }
      publish();
      Atomics.wait(ring.ctrl, C_READ, Atomics.load(ring.ctrl, C_READ), 5);
    }
    waitMs += performance.now() - tw;
  };
  const control1 = (kind: number) => {
    for (let w = 0; w < n; w++) {
      if (room[w] === 0) waitRoom(w);
      room[w]--;
      const ring = rings[w];
      const slot = write[w] & (ring.size - 1);
      ring.e[slot * ENTRY_WORDS + E_CHUNK] = kind;
      ring.ts[2 * slot + 1] = lastTs;
      write[w] = (write[w] + 1) | 0;
    }
  };
  // Per-ring arrays, hoisted out of the frame loop (one Uint32Array/Float64Array shape each).
  const es = rings.map((r) => r.e);
  const tss = rings.map((r) => r.ts);
  const masks = new Int32Array(rings.map((r) => r.size - 1));
  const nChunks = src.chunkBuffers().length;
  // Bucket -> ring index, or -1: this thread's own pipeline.
  const k = wd.self?.buckets ?? 0;
  const route = new Int32Array(BUCKETS);
  for (let i = 0; i < BUCKETS; i++) route[i] = i < k ? -1 : n === 0 ? -1 : (i - k) % n;
  let pending: FlowRecord[] = [];
  let alerts: AlertRecord[] = [];
  const flushRecords = () => {
    // Alerts first: an alert's flow record must not reach the store before the alert does.
    if (alerts.length > 0) {
      port.postMessage({ type: 'alerts', records: alerts } satisfies DispatcherMessage);
      alerts = [];
    }
    if (pending.length === 0) return;
    port.postMessage({ type: 'flows', records: pending } satisfies DispatcherMessage);
    pending = [];
  };
  const pipeline = wd.self === undefined ? null : buildPipeline(wd.self.config, (rec) => {
    pending.push(rec);
    if (pending.length >= RECORD_BATCH) flushRecords();
  }, (a) => {
    alerts.push(a);
    if (alerts.length >= RECORD_BATCH) flushRecords();
  }).pipeline;
  if (pipeline !== null) pipeline.flows.ifaceNames = src.files().map((f) => basename(f.path));

  for (;;) {
    if (Atomics.load(control, 0) !== 0) break; // stop requested
    if (Atomics.load(control, 1) !== 0) {
      publish(); // the workers drain while the store catches up
      const tw = performance.now();
      while (Atomics.load(control, 1) !== 0 && Atomics.load(control, 0) === 0) Atomics.wait(control, 1, 1, 50);
      waitMs += performance.now() - tw;
    }
    const b = src.next(0) as FileBatch | null;
    if (b === null) {
      if (src.done) break;
      // Every chunk is still referenced: let the workers catch up.
      publish();
      releaseDone();
      if (held.length > 0) {
        const w0 = rings[0].ctrl;
        const tw = performance.now();
        Atomics.wait(w0, C_READ, Atomics.load(w0, C_READ), 1);
        waitMs += performance.now() - tw;
      }
      continue;
    }
    const d = b.data;
    const cnt = b.count;
    // Buffer index: chunks first, then window slots (as the workers index them).
    const buf = b.chunk >= 0 ? b.chunk : nChunks + b.slot;
    const file = b.file;
    const offs = b.offset, caps = b.caplen, wires = b.wirelen, lts = b.linktype, ifs = b.iface, vls = b.vlan, tsUs = b.tsUs;
    for (let i = 0; i < cnt; i++) {
      const off = offs[i], cap = caps[i], lt = lts[i];
      const w = route[dispatchHash(d, off, cap, lt) % BUCKETS];
      const ts = tsUs[i];
      if (ts > lastTs) lastTs = ts;
      if (w < 0) {
        // This thread's share: the frame is processed here, in place (iface = file index, as in the workers).
        pipeline!.processFrame(d, off, cap, wires[i], ts, lt, file, vls[i], lastTs);
        bytes += wires[i];
        continue;
      }
      if (room[w] === 0) waitRoom(w);
      room[w]--;
      const slot = write[w] & masks[w];
      const k = slot * ENTRY_WORDS;
      const e = es[w];
      e[k + E_CHUNK] = buf;
      e[k + E_OFFSET] = off;
      e[k + E_CAPLEN] = cap;
      const wire = wires[i];
      e[k + E_WIRELEN] = wire;
      e[k + E_LINK] = lt | (ifs[i] << 16);
      e[k + E_VLAN] = vls[i];
      e[k + E_FILE] = file;
      const t = tss[w];
      t[2 * slot] = ts;
      t[2 * slot + 1] = lastTs;
      write[w] = (write[w] + 1) | 0;
      bytes += wire;
    }
    packets += cnt;
    if (pipeline !== null) pipeline.tick(lastTs);
    control1(KIND_TICK);
    publish();
    held.push({ batch: b, pos: write.slice() });
    releaseDone();
  }
  control1(KIND_END);
  publish();
  let stats: Record<string, number> | null = null;
  if (pipeline !== null) {
    pipeline.finish(lastTs);
    flushRecords();
    stats = pipeline.statsSnapshot();
  }
  const mappedFiles = src.stats().mappedFiles;
  // Workers view the window slots: unmap them only after every worker has read its END.
  for (let w = 0; w < n; w++) {
    const ctrl = rings[w].ctrl;
    for (let r = Atomics.load(ctrl, C_READ); r !== write[w]; r = Atomics.load(ctrl, C_READ)) Atomics.wait(ctrl, C_READ, r, 50);
  }
  src.close();
  port.postMessage({
    type: 'done', error: src.error, packets, bytes, lastTsUs: lastTs, mappedFiles, busyMs: performance.now() - t0 - waitMs, waitMs, stats,
  } satisfies DispatcherMessage);
}

main();

import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import { openCaptureFiles, type FileBatch } from './capture/file.js';
import { buildPipeline, type SensorConfig } from './build.js';
import type { FlowRecord } from './flow/record.js';
import type { AlertRecord } from './output/alert-record.js';
import { createRing } from './worker/ring.js';
import type { DispatcherData, DispatcherMessage } from './worker/dispatcher.js';
import { selfBuckets } from './worker/route.js';
import type { PacketWorkerData, PacketWorkerMessage } from './worker/packet-worker.js';

/** Where flow records go (the store, a test's array, a JSON writer). May ask the producer to wait. */
export interface RecordSink {
  flows(records: FlowRecord[]): void;
  alerts?(records: AlertRecord[]): void;
  /** Resolves when the sink can take more (store backpressure). */
  ready?(): Promise<void>;
  /** True when the sink wants the producer to pause (queue above its high-water mark). */
  busy?(): boolean;
}

export interface OfflineOptions {
  paths: string[];
  workers: number;
  config: SensorConfig;
  sink: RecordSink;
  /** Set to stop early (SIGINT): remaining flows are flushed as at capture end. */
  signal?: AbortSignal;
  /** Ring entries per worker (power of two). */
  ringSize?: number;
  /** Map the files instead of read(2) into chunks (default: MMAP_DEFAULT in capture/file.ts, off; see its measurement). */
  mmap?: boolean;
}

export interface RunResult {
  packets: number;
  bytes: number;
  flows: number;
  elapsedMs: number;
  /** Damage found in the input (the frames before it were processed), or null. */
  inputError: string | null;
  /** Per-worker named counters. */
  workerStats: Record<string, number>[];
  /** Counters summed over workers. */
  stats: Record<string, number>;
  files: string[];
  /** Threaded runs: files the dispatcher mapped (the rest went through shared chunks), its busy and waiting time. */
  dispatcher?: { mappedFiles: number; busyMs: number; waitMs: number };
}

const RECORD_BATCH = 2048;
/** Batches processed between two yields to the event loop on the inline path (store I/O). */
const INLINE_SLICE = 64;

/**
 * Process capture files offline. `workers === 1` runs the pipeline in this thread (no
 * dispatch cost); more workers use a dispatcher thread and N packet workers fed through
 * shared-memory rings. Both produce the same flow records.
 */
export async function runOffline(opts: OfflineOptions): Promise<RunResult> {
  return opts.workers <= 1 ? runInline(opts) : runThreaded(opts);
}

async function runInline(opts: OfflineOptions): Promise<RunResult> {
  const t0 = performance.now();
  const src = openCaptureFiles(opts.paths, { mmap: opts.mmap });
  const files = src.files().map((f) => f.path);
  let pending: FlowRecord[] = [];
  let alerts: AlertRecord[] = [];
  let flows = 0;
  const flush = () => {
    if (alerts.length > 0) {
      opts.sink.alerts?.(alerts);
      alerts = [];
    }
    if (pending.length === 0) return;
    flows += pending.length;
    opts.sink.flows(pending);
    pending = [];
  };
  const { pipeline } = buildPipeline(opts.config, (rec) => {
    pending.push(rec);
    if (pending.length >= RECORD_BATCH) flush();
  }, (a) => {
    alerts.push(a);
    if (alerts.length >= RECORD_BATCH) flush();
  });
  pipeline.flows.ifaceNames = files.map((f) => basename(f));
  let n = 0;
  for (;;) {
    if (opts.signal?.aborted) break;
    const b = src.next(0) as FileBatch | null;
    if (b === null) break;
    // The flow table's iface is the file index (in_iface names the file), as in the threaded path.
    const iface = b.iface;
    iface.fill(b.file, 0, b.count);
    pipeline.processBatch(b);
    if (++n % INLINE_SLICE === 0) {
      flush();
      if (opts.sink.busy?.()) await opts.sink.ready?.();
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  pipeline.finish();
  flush();
  const stats = pipeline.statsSnapshot();
  return {
    packets: pipeline.counters.packets, bytes: pipeline.counters.bytes, flows,
    elapsedMs: performance.now() - t0, inputError: src.error, workerStats: [stats], stats, files,
  };
}

async function runThreaded(opts: OfflineOptions): Promise<RunResult> {
  const t0 = performance.now();
  // The dispatcher thread runs a pipeline of its own for a share of the flows (selfBuckets):
  // with 2 workers that is 2 busy threads on 2 cores instead of 3.
  const own = selfBuckets(opts.workers);
  const n = own > 0 ? opts.workers - 1 : opts.workers;
  const ringSize = opts.ringSize ?? 1 << 16;
  const rings = Array.from({ length: n }, () => createRing(ringSize));
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const here = new URL('.', import.meta.url);
  const dispatcher = new Worker(new URL('worker/dispatcher.js', here), {
    workerData: {
      paths: opts.paths, rings, control, mmap: opts.mmap, self: own > 0 ? { buckets: own, config: opts.config } : undefined,
    } satisfies DispatcherData,
  });
  const workers: Worker[] = [];
  let flows = 0;
  const workerStats: Record<string, number>[] = new Array(n);
  const onAbort = () => Atomics.store(ctl, 0, 1);
  const onFlows = (records: FlowRecord[]) => {
    flows += records.length;
    opts.sink.flows(records);
    // Store backpressure: pause the dispatcher until the sink drains.
    if (opts.sink.busy?.() && Atomics.load(ctl, 1) === 0) {
      Atomics.store(ctl, 1, 1);
      void opts.sink.ready?.().then(() => { Atomics.store(ctl, 1, 0); Atomics.notify(ctl, 1); });
    }
  };
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const ready = await new Promise<Extract<DispatcherMessage, { type: 'ready' }>>((resolve, reject) => {
      dispatcher.once('error', reject);
      dispatcher.once('message', (m: DispatcherMessage) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'fatal') reject(new Error(m.error));
      });
    });
    const ifaceNames = ready.files.map((f) => basename(f));
    const done: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('worker/packet-worker.js', here), {
        workerData: { id: i, ring: rings[i], chunks: ready.chunks, slots: ready.slots, config: opts.config, ifaceNames } satisfies PacketWorkerData,
      });
      workers.push(w);
      done.push(new Promise<void>((resolve, reject) => {
        w.on('error', reject);
        w.on('exit', (code) => { if (code !== 0) reject(new Error(`packet worker ${i} exited with code ${code}`)); });
        w.on('message', (m: PacketWorkerMessage) => {
          if (m.type === 'flows') {
            onFlows(m.records);
          } else if (m.type === 'alerts') {
            opts.sink.alerts?.(m.records);
          } else if (m.type === 'done') {
            workerStats[i] = m.stats;
            resolve();
          }
        });
      }));
    }
    const dispatched = new Promise<Extract<DispatcherMessage, { type: 'done' }>>((resolve, reject) => {
      dispatcher.on('error', reject);
      dispatcher.on('message', (m: DispatcherMessage) => {
        if (m.type === 'done') resolve(m);
        else if (m.type === 'flows') onFlows(m.records);
        else if (m.type === 'alerts') opts.sink.alerts?.(m.records);
      });
    });
    dispatcher.postMessage('go');
    // All at once: a worker that fails must not leave us waiting for the dispatcher (which
    // waits for every worker to read its END before unmapping the windows they view).
    const [d] = await Promise.all([dispatched, ...done]);
    if (d.stats !== null) workerStats.unshift(d.stats);
    const stats: Record<string, number> = {};
    for (const s of workerStats) for (const [k, v] of Object.entries(s)) stats[k] = (stats[k] ?? 0) + v;
    return {
      packets: d.packets, bytes: d.bytes, flows, elapsedMs: performance.now() - t0, inputError: d.error,
      workerStats, stats, files: ready.files,
      dispatcher: { mappedFiles: d.mappedFiles, busyMs: d.busyMs, waitMs: d.waitMs },
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all([dispatcher.terminate(), ...workers.map((w) => w.terminate())]);
  }
}

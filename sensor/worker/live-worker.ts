/**
 * A live capture worker thread: opens its own capture queue (a koffi view over a ring or
 * UMEM cannot be handed to another thread), builds the same pipeline as the offline path
 * (sensor/build.ts), and then loops: next batch → pipeline → release. Flow records and
 * alerts go to the main thread in batches, like packet-worker.ts; counters go there every
 * stats interval.
 *
 * Handshake with sensor/live-run.ts through a shared Int32Array (the loop below blocks in
 * poll(2), so it never reads messages):
 *   worker posts 'opened' (or 'fatal') → main opens the next queue, drops privileges once all
 *   are open, sets CTL_GO → worker processes packets until CTL_STOP → pipeline.finish(),
 *   last records, 'done' with the final counters.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { buildPipeline, type SensorConfig } from '../build.js';
import type { FlowRecord } from '../flow/record.js';
import type { AlertRecord } from '../output/alert-record.js';
import type { CaptureSource, CaptureStats } from '../capture/source.js';
import type { CaptureMethod } from '../capture/live.js';
import type { FanoutMode } from '../capture/afpacket.js';
import type { UnavailableReason } from '../../native/unavailable.js';

export const CTL_GO = 0;
export const CTL_STOP = 1;

export interface LiveWorkerData {
  id: number;
  workers: number;
  iface: string;
  capture: CaptureMethod;
  bpf?: string;
  fanout?: FanoutMode;
  fanoutId: number;
  /** DPDK: the port the main thread set up (EAL and port are per process). */
  dpdkPort?: number;
  config: SensorConfig;
  statsIntervalMs: number;
  control: SharedArrayBuffer;
}

export interface LiveWorkerStats {
  worker: number;
  source: string;
  capture: CaptureStats;
  pipeline: Record<string, number>;
  /** Wall-clock ms when taken. */
  at: number;
}

export type LiveWorkerMessage =
  | { type: 'opened'; source: string }
  | { type: 'fatal'; message: string; reason: UnavailableReason | null }
  | { type: 'flows'; records: FlowRecord[] }
  | { type: 'alerts'; records: AlertRecord[] }
  | { type: 'stats'; stats: LiveWorkerStats }
  | { type: 'done'; stats: LiveWorkerStats };

const RECORD_BATCH = 2048;
/**
 * poll(2) timeout when the ring is empty. 100 ms bounds how late an idle flow's timeout is
 * seen (timeouts are whole seconds) and how long SIGINT waits; an idle worker wakes 10x/s.
 */
const POLL_MS = 100;
/** Records reach the store at most this late while packets keep coming. */
const RECORD_FLUSH_MS = 250;

async function openSource(d: LiveWorkerData): Promise<CaptureSource> {
  if (d.capture === 'dpdk') {
    // EAL init and port/queue setup happened once in the main thread; this thread only reads
    // its queue (the shim allows burst/release/stats of queue q from one other thread).
    const { DpdkSource } = await import('../capture/dpdk.js');
    const { dpdk } = await import('../../native/dpdk.js');
    return new DpdkSource(d.dpdkPort!, d.id, dpdk().region(d.dpdkPort!), d.iface);
  }
  const { openLiveSources } = await import('../capture/live.js');
  // netmap opens per thread only with one worker (live.ts refuses `queue` for it).
  const perQueue = d.capture === 'afpacket' || d.capture === 'afxdp';
  const [src] = openLiveSources({
    iface: d.iface, capture: d.capture, workers: d.workers, bpf: d.bpf, fanout: d.fanout,
    ...(perQueue ? { queue: d.id, fanoutId: d.fanoutId } : {}),
  });
  return src;
}

async function main(): Promise<void> {
  const d = workerData as LiveWorkerData;
  const port = parentPort!;
  const ctl = new Int32Array(d.control);
  let src: CaptureSource;
  try {
    src = await openSource(d);
  } catch (e) {
    const err = e as Error & { reason?: UnavailableReason };
    port.postMessage({ type: 'fatal', message: err.message.split('\n')[0], reason: err.reason ?? null } satisfies LiveWorkerMessage);
    return;
  }
  let pending: FlowRecord[] = [];
  let alerts: AlertRecord[] = [];
  const flushRecords = (): void => {
    // Alerts first: an alert's flow record must not reach the store before the alert does.
    if (alerts.length > 0) {
      port.postMessage({ type: 'alerts', records: alerts } satisfies LiveWorkerMessage);
      alerts = [];
    }
    if (pending.length === 0) return;
    port.postMessage({ type: 'flows', records: pending } satisfies LiveWorkerMessage);
    pending = [];
  };
  const { pipeline } = buildPipeline(d.config, (rec) => {
    pending.push(rec);
    if (pending.length >= RECORD_BATCH) flushRecords();
  }, (a) => {
    alerts.push(a);
    if (alerts.length >= RECORD_BATCH) flushRecords();
  });
  // Live batches carry the queue number as iface index: every queue is the one interface.
  pipeline.flows.ifaceNames = Array.from({ length: Math.max(d.workers, d.id + 1) }, () => d.iface);
  const snapshot = (): LiveWorkerStats => ({ worker: d.id, source: src.name, capture: src.stats(), pipeline: pipeline.statsSnapshot(), at: Date.now() });

  port.postMessage({ type: 'opened', source: src.name } satisfies LiveWorkerMessage);
  // Wait for the main thread: every queue open and privileges dropped before any packet.
  while (Atomics.load(ctl, CTL_GO) === 0) {
    if (Atomics.load(ctl, CTL_STOP) !== 0) break;
    Atomics.wait(ctl, CTL_GO, 0, 200);
  }

  // The flow clock. Packets carry their capture time; when the ring is idle, time advances
  // by wall-clock time elapsed since the newest packet arrived, so an idle flow still times
  // out. Anchoring on the packet time (rather than Date.now() itself) keeps the clock sane
  // for sources whose timestamps are not "now": DPDK's net_pcap vdev stamps frames with the
  // pcap's own times (seen: 2009-2021 in the seeds), where Date.now() would expire every
  // flow at the first idle poll.
  let lastPktUs = -1;
  let lastPktWall = 0;
  let nextStats = Date.now() + d.statsIntervalMs;
  let nextFlush = Date.now() + RECORD_FLUSH_MS;
  try {
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const b = src.next(POLL_MS);
      const wall = Date.now();
      if (b !== null) {
        const n = b.count;
        if (n > 0) {
          pipeline.processBatch(b);
          const ts = b.tsUs[n - 1];
          if (ts > lastPktUs) lastPktUs = ts;
          lastPktWall = wall;
        }
        src.release(b);
      } else if (lastPktUs >= 0) {
        pipeline.tick(lastPktUs + (wall - lastPktWall) * 1000);
      }
      if (wall >= nextFlush || b === null) {
        flushRecords();
        nextFlush = wall + RECORD_FLUSH_MS;
      }
      if (wall >= nextStats) {
        port.postMessage({ type: 'stats', stats: snapshot() } satisfies LiveWorkerMessage);
        nextStats = wall + d.statsIntervalMs;
      }
    }
    // Shutdown: flows still open end with reason "shutdown" at the current flow clock.
    const endUs = lastPktUs >= 0 ? lastPktUs + (Date.now() - lastPktWall) * 1000 : pipeline.nowUs;
    pipeline.finish(Math.max(endUs, pipeline.nowUs));
    flushRecords();
    const last = snapshot();
    // DPDK queues belong to the port the main thread opened; it closes them after every worker is done.
    if (d.capture !== 'dpdk') src.close();
    port.postMessage({ type: 'done', stats: last } satisfies LiveWorkerMessage);
  } catch (e) {
    port.postMessage({ type: 'fatal', message: (e as Error).message.split('\n')[0], reason: null } satisfies LiveWorkerMessage);
  }
}

// sensor/live-run.ts imports the constants above; only a worker thread runs the loop.
if (!isMainThread && workerData !== null) await main();

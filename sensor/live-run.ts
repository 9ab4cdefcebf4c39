/**
 * Live capture into the same pipeline as capture files: one worker thread per capture
 * queue (sensor/worker/live-worker.ts), each running buildPipeline(), records to a
 * RecordSink exactly as runOffline() delivers them.
 *
 * Order at start (docs/capture.md):
 *   1. DPDK only: EAL init and port setup with N RX queues, here (once per process).
 *   2. Worker i opens its own queue (AF_PACKET socket in one fanout group, AF_XDP socket on
 *      queue i), one worker after another (two threads attaching AF_XDP sockets to one
 *      interface at once race in libxdp: EBUSY).
 *   3. --user: drop root once every queue is open. glibc's setuid/setgid apply to every
 *      thread of the process, so one call here covers the workers (the test checks each
 *      thread's uid in /proc/PID/task/TID/status).
 *   4. GO: workers start processing packets.
 * Stop (the signal aborts): workers finish their pipelines (open flows end as "shutdown"),
 * post their last records and counters, close their queues; then DPDK's port is closed.
 */
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import type { SensorConfig } from './build.js';
import type { RecordSink, RunResult } from './run.js';
import type { CaptureMethod } from './capture/live.js';
import type { FanoutMode } from './capture/afpacket.js';
import type { CaptureSource } from './capture/source.js';
import { NativeUnavailableError, type UnavailableReason } from '../native/unavailable.js';
import { CTL_GO, CTL_STOP, type LiveWorkerData, type LiveWorkerMessage, type LiveWorkerStats } from './worker/live-worker.js';

export interface LiveRunOptions {
  iface: string;
  capture: CaptureMethod;
  workers: number;
  config: SensorConfig;
  sink: RecordSink;
  bpf?: string;
  fanout?: FanoutMode;
  /** Drop to this user after every queue is open. */
  user?: string;
  /** Runs right before the privilege drop (the CLI hands the embedded store's directory to the user). */
  beforeDrop?: () => void | Promise<void>;
  dpdkArgs?: string;
  /** Counters from every worker this often (ms). Default 10 000. */
  statsIntervalMs?: number;
  /** Called with the whole snapshot whenever a worker reports (stats interval and at the end). */
  onStats?: (s: LiveSnapshot, changed: LiveWorkerStats) => void;
  /** Called once capture is running (every queue open, privileges dropped). */
  onRunning?: (info: { sources: string[]; user: string | null }) => void;
  /** Abort = stop capture, finish every pipeline, return. */
  signal: AbortSignal;
}

/** What /api/v1/stats and /metrics show for a live sensor. */
export interface LiveSnapshot {
  mode: 'live';
  iface: string;
  capture: CaptureMethod;
  started: number;
  workers: LiveWorkerStats[];
  /** Interface counters from /sys/class/net/IF/statistics (not for DPDK ports), or null. */
  interface: Record<string, number> | null;
  /** Counters summed over workers (pipeline names). */
  totals: Record<string, number>;
}

/** Interface counters the kernel keeps per device: where a NIC/driver drop shows up. */
const SYSFS_COUNTERS = ['rx_packets', 'rx_bytes', 'rx_dropped', 'rx_missed_errors', 'rx_fifo_errors', 'rx_errors'];

function readIfaceCounters(iface: string): Record<string, number> | null {
  const out: Record<string, number> = {};
  try {
    for (const k of SYSFS_COUNTERS) out[k] = Number(readFileSync(`/sys/class/net/${iface}/statistics/${k}`, 'utf8'));
  } catch {
    return null;
  }
  return out;
}

function sumPipeline(ws: LiveWorkerStats[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const w of ws) {
    if (!w) continue;
    for (const [k, v] of Object.entries(w.pipeline)) t[k] = (t[k] ?? 0) + v;
  }
  return t;
}

function fatal(message: string, reason: UnavailableReason | null): Error {
  // Re-raise a worker's NativeUnavailableError as one here, so the CLI's exit-2 path sees it.
  if (reason !== null) {
    const e = new NativeUnavailableError('capture', '', '', reason);
    e.message = message;
    return e;
  }
  return new Error(message);
}

export async function runLive(opts: LiveRunOptions): Promise<RunResult & { snapshot: LiveSnapshot }> {
  const t0 = performance.now();
  const n = Math.max(1, opts.workers);
  const statsIntervalMs = opts.statsIntervalMs ?? 10_000;
  if (opts.capture === 'netmap' && n > 1) {
    throw new NativeUnavailableError('netmap', 'one worker per netmap ring is not wired into worker threads', 'use --workers 1 with --capture netmap', 'config');
  }
  if (opts.bpf && opts.capture !== 'afpacket') {
    throw new NativeUnavailableError(`--bpf with --capture ${opts.capture}`, 'only the afpacket backend attaches BPF filters', 'drop --bpf or use --capture afpacket', 'config');
  }
  const snapshot: LiveSnapshot = {
    mode: 'live', iface: opts.iface, capture: opts.capture, started: Date.now(), workers: new Array(n), interface: null, totals: {},
  };
  let dpdkSources: CaptureSource[] = [];
  let dpdkPort: number | undefined;
  if (opts.capture === 'dpdk') {
    const { openLiveSources } = await import('./capture/live.js');
    const { dpdk } = await import('../native/dpdk.js');
    dpdkSources = openLiveSources({ iface: opts.iface, capture: 'dpdk', workers: n, dpdkArgs: opts.dpdkArgs ?? '' });
    dpdkPort = opts.iface === '' ? 0 : /^\d+$/.test(opts.iface) ? Number(opts.iface) : dpdk().portByName(opts.iface);
  }
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const fanoutId = (process.pid * 31 + 7) & 0xffff;
  const workers: Worker[] = [];
  const done: Promise<void>[] = [];
  let flows = 0;
  let user: string | null = null;
  const stop = (): void => {
    Atomics.store(ctl, CTL_STOP, 1);
    Atomics.notify(ctl, CTL_GO);
  };
  try {
    for (let i = 0; i < n; i++) {
      const wd: LiveWorkerData = {
        id: i, workers: n, iface: opts.iface, capture: opts.capture, bpf: opts.bpf, fanout: opts.fanout, fanoutId, dpdkPort,
        config: opts.config, statsIntervalMs, control,
      };
      const w = new Worker(new URL('worker/live-worker.js', import.meta.url), { workerData: wd });
      workers.push(w);
      let opened!: () => void;
      let failed!: (e: Error) => void;
      const openedP = new Promise<void>((res, rej) => { opened = res; failed = rej; });
      done.push(new Promise<void>((resolve, reject) => {
        const fail = (e: Error): void => { failed(e); reject(e); };
        w.on('error', fail);
        w.on('exit', (code) => {
          if (snapshot.workers[i] === undefined || code !== 0) fail(new Error(`capture worker ${i} exited (code ${code}) before finishing`));
          else resolve();
        });
        w.on('message', (m: LiveWorkerMessage) => {
          switch (m.type) {
            case 'opened': opened(); break;
            case 'fatal': fail(fatal(m.message, m.reason)); break;
            case 'flows':
              flows += m.records.length;
              // Live capture cannot pause the NIC: store backpressure is absorbed by the
              // store's queue and spool (counted there), never by stalling a worker.
              opts.sink.flows(m.records);
              break;
            case 'alerts': opts.sink.alerts?.(m.records); break;
            case 'stats': case 'done':
              snapshot.workers[i] = m.stats;
              if (opts.capture !== 'dpdk') snapshot.interface = readIfaceCounters(opts.iface);
              snapshot.totals = sumPipeline(snapshot.workers);
              opts.onStats?.(snapshot, m.stats);
              if (m.type === 'done') resolve();
              break;
          }
        });
      }));
      // Keep an early failure from being reported as unhandled while we wait on openedP.
      done[i].catch(() => {});
      await openedP;
    }
    if (opts.user) {
      await opts.beforeDrop?.();
      const { dropPrivileges } = await import('./capture/privileges.js');
      user = dropPrivileges(opts.user).user;
    }
    if (opts.signal.aborted) stop();
    opts.signal.addEventListener('abort', stop, { once: true });
    Atomics.store(ctl, CTL_GO, 1);
    Atomics.notify(ctl, CTL_GO);
    opts.onRunning?.({ sources: workers.map((_, i) => `${opts.capture}:${opts.iface}#${i}`), user });
    await Promise.all(done);
  } catch (e) {
    stop();
    throw e;
  } finally {
    opts.signal.removeEventListener('abort', stop);
    await Promise.all(workers.map((w) => w.terminate()));
    for (const s of dpdkSources) s.close();
  }
  const stats = snapshot.totals;
  return {
    packets: stats['capture.packets'] ?? 0, bytes: stats['capture.bytes'] ?? 0, flows, elapsedMs: performance.now() - t0,
    inputError: null, workerStats: snapshot.workers.map((w) => w.pipeline), stats, files: [], snapshot,
  };
}

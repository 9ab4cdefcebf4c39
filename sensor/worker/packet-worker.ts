/**
 * A packet worker thread: reads frame descriptors from its ring, processes each frame in
 * place (from its own read-only mapping of the file, or from the shared chunk when the file
 * was read with read(2)), and posts flow records to the main thread in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildPipeline, type SensorConfig } from '../build.js';
import type { FlowRecord } from '../flow/record.js';
import type { AlertRecord } from '../output/alert-record.js';
import { slotView } from '../capture/file-map.js';
import { C_READ, C_SLEEP, C_WRITE, E_CAPLEN, E_CHUNK, E_FILE, E_LINK, E_OFFSET, E_VLAN, E_WIRELEN, ENTRY_WORDS, KIND_END, KIND_TICK, openRing } from './ring.js';

export interface PacketWorkerData {
  id: number;
  ring: SharedArrayBuffer;
  chunks: SharedArrayBuffer[];
  /** The dispatcher's window slots (buffers chunks.length + i): viewed here, mapped there. */
  slots: { address: bigint; size: number }[];
  config: SensorConfig;
  ifaceNames: string[];
}

export type PacketWorkerMessage =
  | { type: 'flows'; records: FlowRecord[] }
  | { type: 'alerts'; records: AlertRecord[] }
  | { type: 'done'; stats: Record<string, number> };

const RECORD_BATCH = 2048;

function main(): void {
  const wd = workerData as PacketWorkerData;
  const port = parentPort!;
  const ring = openRing(wd.ring);
  // Frames live in the shared chunks (read(2) path) or in the dispatcher's mapped windows.
  const bufs = [...wd.chunks.map((s) => new Uint8Array(s)), ...wd.slots.map((s) => slotView(s.address, s.size))];
  let pending: FlowRecord[] = [];
  let alerts: AlertRecord[] = [];
  const flushRecords = () => {
    // Alerts first: an alert's flow record must not reach the store before the alert does.
    if (alerts.length > 0) {
      port.postMessage({ type: 'alerts', records: alerts } satisfies PacketWorkerMessage);
      alerts = [];
    }
    if (pending.length === 0) return;
    port.postMessage({ type: 'flows', records: pending } satisfies PacketWorkerMessage);
    pending = [];
  };
  const { pipeline } = buildPipeline(wd.config, (rec) => {
    pending.push(rec);
    if (pending.length >= RECORD_BATCH) flushRecords();
  }, (a) => {
    alerts.push(a);
    if (alerts.length >= RECORD_BATCH) flushRecords();
  });
  pipeline.flows.ifaceNames = wd.ifaceNames;
  const { ctrl, e, ts } = ring;
  const mask = ring.size - 1;
  let r = Atomics.load(ctrl, C_READ);
  for (;;) {
    const w = Atomics.load(ctrl, C_WRITE);
    if (r === w) {
      flushRecords();
      Atomics.store(ctrl, C_SLEEP, 1);
      // Re-checked by Atomics.wait itself: it returns at once if WRITE moved after the store.
      Atomics.wait(ctrl, C_WRITE, w, 100);
      Atomics.store(ctrl, C_SLEEP, 0);
      continue;
    }
    while (r !== w) {
      const slot = r & mask;
      const k = slot * ENTRY_WORDS;
      const chunk = e[k + E_CHUNK];
      if (chunk < KIND_END) {
        const link = e[k + E_LINK];
        pipeline.processFrame(bufs[chunk], e[k + E_OFFSET], e[k + E_CAPLEN], e[k + E_WIRELEN], ts[2 * slot],
          link & 0xffff, e[k + E_FILE], e[k + E_VLAN] | 0, ts[2 * slot + 1]);
      } else if (chunk === KIND_TICK) {
        pipeline.tick(ts[2 * slot + 1]);
      } else if (chunk === KIND_END) {
        pipeline.finish(ts[2 * slot + 1]);
        flushRecords();
        Atomics.store(ctrl, C_READ, (r + 1) | 0);
        port.postMessage({ type: 'done', stats: pipeline.statsSnapshot() } satisfies PacketWorkerMessage);
        return;
      }
      r = (r + 1) | 0;
      // Give ring space back early so the dispatcher rarely waits on a full ring.
      if ((r & 255) === 0) Atomics.store(ctrl, C_READ, r);
    }
    Atomics.store(ctrl, C_READ, r);
  }
}

main();

/**
 * The offline dispatcher thread: reads capture files into a pool of shared chunks and hands
 * each frame to the worker that owns its flow (symmetric hash) by writing a descriptor into
 * that worker's ring. A chunk is reused only once every worker has read past the last
 * descriptor that points into it. Every worker also gets a TICK per batch, so its clock
 * follows the capture's even when none of its flows are active.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openCaptureFiles, type FileBatch } from '../capture/file.js';
import { dispatchHash } from './hash.js';
import {
  C_READ, C_WRITE, E_CAPLEN, E_CHUNK, E_FILE, E_LINK, E_OFFSET, E_VLAN, E_WIRELEN, ENTRY_WORDS, KIND_END, KIND_TICK, openRing, type Ring,
} from './ring.js';

export interface DispatcherData {
  paths: string[];
  rings: SharedArrayBuffer[];
  /** Int32Array over it: [0] = stop requested (SIGINT), [1] = pause (store backpressure). */
  control: SharedArrayBuffer;
  chunkBytes?: number;
  poolChunks?: number;
}

export type DispatcherMessage =
  | { type: 'ready'; chunks: SharedArrayBuffer[]; files: string[] }
  | { type: 'done'; error: string | null; packets: number; bytes: number; lastTsUs: number }
  | { type: 'fatal'; error: string };

function main(): void {
  const wd = workerData as DispatcherData;
  const port = parentPort!;
  let src;
  try {
    src = openCaptureFiles(wd.paths, { shared: true, poolChunks: wd.poolChunks ?? 16, chunkBytes: wd.chunkBytes });
  } catch (err) {
    port.postMessage({ type: 'fatal', error: (err as Error).message } satisfies DispatcherMessage);
    return;
  }
  const files = src.files().map((f) => f.path);
  port.postMessage({
    type: 'ready', chunks: src.chunkBuffers().map((u) => u.buffer as SharedArrayBuffer), files,
  } satisfies DispatcherMessage);
  port.once('message', () => run(src, wd, port));
}

function run(src: ReturnType<typeof openCaptureFiles>, wd: DispatcherData, port: NonNullable<typeof parentPort>): void {
  const rings: Ring[] = wd.rings.map(openRing);
  const n = rings.length;
  const control = new Int32Array(wd.control);
  const write = new Int32Array(n);
  for (let w = 0; w < n; w++) write[w] = Atomics.load(rings[w].ctrl, C_WRITE);
  const held: { batch: FileBatch; pos: Int32Array }[] = [];
  let packets = 0, bytes = 0, lastTs = 0;

  const publish = () => {
    for (let w = 0; w < n; w++) {
      Atomics.store(rings[w].ctrl, C_WRITE, write[w]);
      Atomics.notify(rings[w].ctrl, C_WRITE);
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
  /** Entries known free in ring w (re-read from the worker's index only when used up). */
  const room = new Int32Array(n);
  /** Wait until ring w has room for one entry. */
  const reserve = (w: number) => {
    if (room[w] > 0) { room[w]--; return; }
    const ring = rings[w];
    for (;;) {
      const free = ring.size - ((write[w] - Atomics.load(ring.ctrl, C_READ)) | 0);
      if (free > 0) { room[w] = free - 1; return; }
      publish();
      Atomics.wait(ring.ctrl, C_READ, Atomics.load(ring.ctrl, C_READ), 5);
    }
  };
  const put = (w: number, chunk: number, off: number, cap: number, wire: number, link: number, vlan: number, file: number, ts: number) => {
    reserve(w);
    const ring = rings[w];
    const slot = write[w] & (ring.size - 1);
    const k = slot * ENTRY_WORDS;
    const e = ring.e;
    e[k + E_CHUNK] = chunk;
    e[k + E_OFFSET] = off;
    e[k + E_CAPLEN] = cap;
    e[k + E_WIRELEN] = wire;
    e[k + E_LINK] = link;
    e[k + E_VLAN] = vlan;
    e[k + E_FILE] = file;
    ring.ts[2 * slot] = ts;
    ring.ts[2 * slot + 1] = lastTs;
    write[w] = (write[w] + 1) | 0;
  };

  for (;;) {
    if (Atomics.load(control, 0) !== 0) break; // stop requested
    while (Atomics.load(control, 1) !== 0 && Atomics.load(control, 0) === 0) Atomics.wait(control, 1, 1, 50);
    const b = src.next(0) as FileBatch | null;
    if (b === null) {
      if (src.done) break;
      // Every chunk is still referenced: let the workers catch up.
      publish();
      releaseDone();
      if (held.length > 0) {
        const w0 = rings[0].ctrl;
        Atomics.wait(w0, C_READ, Atomics.load(w0, C_READ), 1);
      }
      continue;
    }
    const d = b.data;
    const cnt = b.count;
    for (let i = 0; i < cnt; i++) {
      const off = b.offset[i], cap = b.caplen[i], lt = b.linktype[i];
      const w = n === 1 ? 0 : dispatchHash(d, off, cap, lt) % n;
      const ts = b.tsUs[i];
      if (ts > lastTs) lastTs = ts;
      put(w, b.chunk, off, cap, b.wirelen[i], lt | (b.iface[i] << 16), b.vlan[i], b.file, ts);
      packets++;
      bytes += b.wirelen[i];
    }
    for (let w = 0; w < n; w++) put(w, KIND_TICK, 0, 0, 0, 0, 0, 0, lastTs);
    publish();
    held.push({ batch: b, pos: write.slice() });
    releaseDone();
  }
  for (let w = 0; w < n; w++) put(w, KIND_END, 0, 0, 0, 0, 0, 0, lastTs);
  publish();
  port.postMessage({ type: 'done', error: src.error, packets, bytes, lastTsUs: lastTs } satisfies DispatcherMessage);
}

main();

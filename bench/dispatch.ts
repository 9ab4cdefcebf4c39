/**
 * Offline dispatcher cost per frame, alone: the real dispatcher thread (sensor/worker/dispatcher.ts)
 * parses a capture and writes descriptors into N rings that trivial consumer threads drain at
 * once (no decode), so its busy time is its own cost: read or map, parse, hash, descriptor.
 *   node dist/bench/dispatch.js [file] [--workers N] [--read] [--runs R]
 * Prints per run: dispatcher busy ns/frame, waiting ms, Mframes/s; the median at the end.
 */
import { Worker } from 'node:worker_threads';
import { createRing } from '../sensor/worker/ring.js';
import type { DispatcherData, DispatcherMessage } from '../sensor/worker/dispatcher.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
const file = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--'))) ?? new URL('../../bench/.data/bench-1g.pcap', import.meta.url).pathname;
const n = opt('--workers', 2);
const runs = opt('--runs', 3);
const mmap = !args.includes('--read');

// A consumer (as packet-worker.ts, without the pipeline): follows WRITE, sleeps with C_SLEEP set, publishes READ, stops at the END kind (0xfffffffe in E_CHUNK).
const consumer = `
const { workerData } = require('node:worker_threads');
const sab = workerData; const CTRL = 16, EW = 8;
const size = (sab.byteLength - CTRL * 4) / (EW * 4 + 16);
const ctrl = new Int32Array(sab, 0, CTRL); const e = new Uint32Array(sab, CTRL * 4, size * EW);
let r = Atomics.load(ctrl, 1);
for (;;) {
  const w = Atomics.load(ctrl, 0);
  if (r === w) { Atomics.store(ctrl, 2, 1); Atomics.wait(ctrl, 0, w, 100); Atomics.store(ctrl, 2, 0); continue; }
  let end = false;
  while (r !== w) { if (e[(r & (size - 1)) * EW] === 0xfffffffe) end = true; r = (r + 1) | 0; }
  Atomics.store(ctrl, 1, r); Atomics.notify(ctrl, 1);
  if (end) break;
}`;

const results: number[] = [];
for (let run = 0; run < runs; run++) {
  const rings = Array.from({ length: n }, () => createRing(1 << 16));
  const control = new SharedArrayBuffer(8);
  const cons = rings.map((r) => new Worker(consumer, { eval: true, workerData: r }));
  const t0 = performance.now();
  const d = new Worker(new URL('../sensor/worker/dispatcher.js', import.meta.url), {
    workerData: { paths: [file], rings, control, mmap } satisfies DispatcherData,
  });
  const done = await new Promise<Extract<DispatcherMessage, { type: 'done' }>>((resolve, reject) => {
    d.on('error', reject);
    d.on('message', (m: DispatcherMessage) => {
      if (m.type === 'ready') d.postMessage('go');
      else if (m.type === 'fatal') reject(new Error(m.error));
      else if (m.type === 'done') resolve(m);
    });
  });
  const sec = (performance.now() - t0) / 1e3;
  await Promise.all([d.terminate(), ...cons.map((c) => c.terminate())]);
  const ns = (done.busyMs * 1e6) / done.packets;
  results.push(ns);
  console.log(`${mmap ? 'mmap' : 'read'} workers=${n}: busy ${ns.toFixed(1)} ns/frame, waiting ${done.waitMs.toFixed(0)} ms, ${(done.packets / sec / 1e6).toFixed(2)} Mframes/s end to end`);
}
results.sort((a, b) => a - b);
console.log(`median busy ${results[Math.floor(results.length / 2)].toFixed(1)} ns/frame (${mmap ? 'mmap' : 'read'}, ${n} rings)`);

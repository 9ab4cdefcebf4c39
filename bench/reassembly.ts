/**
 * Reassembly throughput on the benchmark pcap (default bench/.data/bench-1g.pcap, built by `npm run bench`):
 *   1. read + decode + flow tracking only (baseline),
 *   2. the same plus TCP reassembly into a counting consumer (acked mode, default config),
 * reporting payload Gbit/s, segments/s and ns/segment for the reassembly share, then
 * `tcpflow -r` on the same file in the same run (wall time, output to a temp dir) and the ratio.
 * One worker (this thread). Usage: node dist/bench/reassembly.js [PCAP] [--immediate] [--depth=BYTES (default 1 MiB, 0 = unlimited)]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptureFiles } from '../sensor/capture/file.js';
import { Pipeline } from '../sensor/pipeline.js';
import { DEFAULT_FLOW_CONFIG } from '../sensor/flow/config.js';
import { ReassemblyStage } from '../reassembly/stage.js';
import type { StreamConsumer } from '../reassembly/tcp.js';

const args = process.argv.slice(2);
const pcap = args.find((a) => !a.startsWith('--')) ?? new URL('../../bench/.data/bench-1g.pcap', import.meta.url).pathname;
const immediate = args.includes('--immediate');
const depthArg = args.find((a) => a.startsWith('--depth='));
const depth = depthArg ? Number(depthArg.slice(8)) : 1 << 20;

class Counting implements StreamConsumer {
  bytes = 0;
  chunks = 0;
  gaps = 0;
  onData(_f: number, _d: boolean, _b: Uint8Array, _o: number, len: number): void {
    this.bytes += len;
    this.chunks++;
  }
  onGap(): void {
    this.gaps++;
  }
  onClose(): void {}
}

function run(withReassembly: boolean) {
  const pipe = new Pipeline({ flow: { ...DEFAULT_FLOW_CONFIG, maxFlows: 1 << 20 }, defrag: {} }, () => {});
  const c = new Counting();
  let stage: ReassemblyStage | null = null;
  if (withReassembly) {
    stage = new ReassemblyStage(pipe.flows, { immediate, depth, memcap: 256 * 1024 * 1024 }, c);
    pipe.addStage(stage);
  }
  const src = openCaptureFiles([pcap]);
  const t0 = process.hrtime.bigint();
  while (!src.done) {
    const b = src.next(0);
    if (b === null) continue;
    pipe.processBatch(b);
    src.release(b);
  }
  pipe.finish();
  const ns = Number(process.hrtime.bigint() - t0);
  return { ns, packets: pipe.counters.packets, bytes: pipe.counters.bytes, c, stats: stage?.tcp.stats() ?? {} };
}

const base = run(false);
const ra = run(true);
const segs = ra.stats['tcp.segments'] ?? 0;
const payload = ra.stats['tcp.payload_bytes'] ?? 0;
const raNs = ra.ns - base.ns;
const fmt = (x: number) => x.toFixed(2);
console.log(`pcap ${pcap}: ${base.packets} packets, ${(base.bytes / 2 ** 30).toFixed(2)} GiB, ${segs} TCP segments, ${(payload / 2 ** 20).toFixed(0)} MiB TCP payload`);
console.log(`baseline read+decode+flow:        ${fmt(base.ns / 1e9)} s  ${fmt(base.packets / (base.ns / 1e9) / 1e6)} Mpps  ${fmt((base.bytes * 8) / base.ns)} Gbit/s`);
console.log(`+ reassembly (${immediate ? 'immediate' : 'acked'}, depth ${depth}): ${fmt(ra.ns / 1e9)} s  ${fmt(ra.packets / (ra.ns / 1e9) / 1e6)} Mpps  ${fmt((ra.bytes * 8) / ra.ns)} Gbit/s wire`);
console.log(`reassembly end to end:            ${fmt((payload * 8) / ra.ns)} Gbit/s of TCP payload, ${fmt(segs / (ra.ns / 1e9) / 1e6)} M segments/s`);
console.log(`reassembly share (minus baseline): ${fmt(raNs / Math.max(1, segs))} ns/segment, ${fmt((payload * 8) / Math.max(1, raNs))} Gbit/s of payload`);
console.log(`delivered ${(ra.c.bytes / 2 ** 20).toFixed(0)} MiB in ${ra.c.chunks} chunks, ${ra.c.gaps} gaps; memuse peak-free at end ${ra.stats['tcp.reassembly_memuse']}`);

const out = mkdtempSync(join(tmpdir(), 'tcpflow-bench-'));
const t1 = process.hrtime.bigint();
const tf = spawnSync('tcpflow', ['-r', pcap, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
const tfNs = Number(process.hrtime.bigint() - t1);
rmSync(out, { recursive: true, force: true });
if (tf.status !== 0) console.log(`tcpflow failed: ${tf.stderr?.toString().split('\n')[0]}`);
console.log(`tcpflow -r (writes files):        ${fmt(tfNs / 1e9)} s  ${fmt((payload * 8) / tfNs)} Gbit/s of TCP payload, ${fmt(segs / (tfNs / 1e9) / 1e6)} M segments/s`);
console.log(`ratio fennec(read+decode+flow+reassembly) / tcpflow wall time: ${fmt(ra.ns / tfNs)} (below 1 = faster than tcpflow)`);

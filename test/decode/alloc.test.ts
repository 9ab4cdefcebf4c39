/**
 * Decode + flow tracking allocate nothing per packet. A child process with a 1 MiB young
 * generation (`--max-semi-space-size=1 --trace-gc`) replays the frames of the bench seeds
 * (47 k frames: VLAN, tunnels, IPv6, fragments, TCP, UDP, ICMP) several times through the
 * pipeline after a warm-up, at a constant packet time so flows persist. Flow creation is
 * allowed to allocate (a record per flow), so frames that create a flow in steady state (a
 * SYN reopening a closed session each replay) are left out of the measured passes and the
 * test checks none was created there. 16 bytes per packet (one boxed number) over the
 * ~450 k packets measured would be ~7 MiB, i.e. at least 7 scavenges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, SHARED } from '../capture/oracle.js';

const script = `
const { openCaptureFiles } = await import(${JSON.stringify(path.join(ROOT, 'dist/sensor/capture/file.js'))});
const { Pipeline } = await import(${JSON.stringify(path.join(ROOT, 'dist/sensor/pipeline.js'))});
const { defaultConfig } = await import(${JSON.stringify(path.join(ROOT, 'dist/sensor/config.js'))});
const src = openCaptureFiles([${JSON.stringify(path.join(SHARED, 'bench/seeds'))}]);
const frames = [];
for (let b = src.next(0); b; b = src.next(0)) for (let i = 0; i < b.count; i++) frames.push(b.data.slice(b.offset[i], b.offset[i] + b.caplen[i]));
const buf = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
const off = new Uint32Array(frames.length), len = new Uint32Array(frames.length), lt = new Uint16Array(frames.length);
let o = 0;
frames.forEach((f, i) => { buf.set(f, o); off[i] = o; len[i] = f.length; lt[i] = 1; o += f.length; });
const c = defaultConfig();
const pl = new Pipeline({ flow: c.flow, defrag: c.defrag }, () => {});
const T = 1700000000e6;
const skip = new Uint8Array(off.length);
const pass = () => { for (let i = 0; i < off.length; i++) if (skip[i] === 0) pl.processFrame(buf, off[i], len[i], len[i], T, 1, 0, -1); };
for (let k = 0; k < 4; k++) pass();
// Mark the frames that create a flow in steady state, until a whole pass creates none.
for (let round = 0; round < 20; round++) {
  let marked = 0;
  for (let i = 0; i < off.length; i++) {
    if (skip[i]) continue;
    const c0 = pl.flows.stats.created;
    pl.processFrame(buf, off[i], len[i], len[i], T, 1, 0, -1);
    if (pl.flows.stats.created !== c0) { skip[i] = 1; marked++; }
  }
  if (marked === 0) break;
}
for (let k = 0; k < 2; k++) pass();
const p0 = pl.counters.packets, f0 = pl.flows.stats.created;
console.log('MARK-START');
for (let k = 0; k < 10; k++) pass();
console.log('MARK-END', pl.counters.packets - p0, pl.flows.stats.created - f0);
`;

test('decode + flow: no per-packet allocation (scavenges with a 1 MiB young generation)', () => {
  const out = execFileSync(process.execPath, ['--max-semi-space-size=1', '--trace-gc', '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const during = out.slice(out.indexOf('MARK-START'), out.indexOf('MARK-END'));
  const scavenges = during.split('\n').filter((l) => l.includes('Scavenge')).length;
  const m = /MARK-END (\d+) (\d+)/.exec(out)!;
  const packets = Number(m[1]), created = Number(m[2]);
  assert.ok(packets > 400_000, `${packets} packets`);
  assert.equal(created, 0, 'no flow created while measuring');
  console.log(`# ${scavenges} scavenges over ${packets} packets`);
  assert.ok(scavenges <= 1, `${scavenges} scavenges while processing ${packets} packets`);
});

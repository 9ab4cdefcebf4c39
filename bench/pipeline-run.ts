/**
 * One benchmark run in its own process (so peak RSS is this run's): read + decode + flow (+ TCP reassembly)
 * tracking of a capture with N workers, optionally storing the flows in embedded ClickHouse.
 * Prints one JSON line. Used by bench/pipeline.ts.
 *   node dist/bench/pipeline-run.js FILE WORKERS none|embedded flow-only|reassembly
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runOffline, type RecordSink } from '../sensor/run.js';
import { defaultConfig } from '../sensor/config.js';
import { openStore } from '../sensor/output/clickhouse.js';

const [file, w, mode, reasm] = process.argv.slice(2);
const workers = Number(w);
const cfg = defaultConfig();
const s = cfg.stream;
const sensor = {
  flow: cfg.flow, defrag: cfg.defrag, detect: null,
  stream: { enabled: reasm === 'reassembly', depth: s.depth, memcap: s.memcap, policy: s.policy, inline: s.inline, midstream: true },
};
let flows = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let res;
if (mode === 'embedded') {
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-bench-'));
  const store = await openStore({ kind: 'embedded', dataDir: path.join(dir, 'db') });
  const sink: RecordSink = {
    flows: (r) => { flows += r.length; store.insertFlows(r); },
    busy: () => store.stats().rows_queued >= 80_000,
    ready: () => store.ready(),
  };
  res = await runOffline({ paths: [file], workers, config: sensor, sink });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
} else {
  res = await runOffline({ paths: [file], workers, config: sensor, sink: { flows: (r) => { flows += r.length; } } });
}
const sec = (performance.now() - t0) / 1e3;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({
  workers, mode, packets: res.packets, bytes: res.bytes, flows, seconds: sec,
  pps: res.packets / sec, gbps: (res.bytes * 8) / sec / 1e9, nsPerPacket: (sec * 1e9) / res.packets,
  cpuSeconds: (cpu.user + cpu.system) / 1e6, cpuNsPerPacket: ((cpu.user + cpu.system) * 1e3) / res.packets,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
}) + '\n');

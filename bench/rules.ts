/**
 * bench/rules.ts — detection cost per worker (one pipeline in this thread: decode, flow,
 * detection) on the mkbench capture: Gbit/s, packets/s and ns/packet with no rules, with the
 * first 1,000 loaded ET Open rules and with all loaded ET Open rules; ruleset load + compile
 * time and memory; then a profiling pass printing the 20 costliest rules (total ns, checks,
 * ns/check), like Suricata's rule profiling.
 *
 * Each configuration runs in a child process of its own, as a worker runs one ruleset: no
 * earlier run's ruleset in the heap or JIT feedback from other rulesets. (On the whole
 * bench-1g the difference is within this VM's run-to-run spread of about ±5 %.)
 *
 * The capture is read once before the runs so every configuration reads it from the page
 * cache: the throughput is the worker's, not the disk's (after the test suite had run, an
 * uncached read made one run 17-35 % slower).
 *
 * Usage: node dist/bench/rules.js [PCAP] [MB]   (default bench/.data/bench-1g.pcap, 200 MB)
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPipeline } from '../sensor/build.js';
import { DEFAULT_FLOW_CONFIG } from '../sensor/flow/config.js';
import { openCaptureFiles, type FileBatch } from '../sensor/capture/file.js';
import type { DetectSettings } from '../rules/detect/stage.js';
import { loadRules } from '../rules/loader.js';

const pcap = process.argv[2] ?? new URL('../../bench/.data/bench-1g.pcap', import.meta.url).pathname;
const limitBytes = Number(process.argv[3] ?? 200) * 1e6;
const ET = new URL('../../../shared/rules/et-open', import.meta.url).pathname;

function settings(paths: string[]): DetectSettings {
  return { paths, addressGroups: {}, portGroups: {}, classificationFile: null, packetAlertMax: 15, cacheDir: null, checksumValidation: 'auto' };
}

interface Result { label: string; pkts: number; bytes: number; s: number; alerts: number; setupMs: number; heapMiB: number; stats: Record<string, number>; gcMs: number }

// GC time during the timed loop (perf_hooks 'gc' entries), to explain the GC share.
import { PerformanceObserver } from 'node:perf_hooks';
let gcMs = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });

async function run(label: string, paths: string[] | null, profiling = false, limit = limitBytes): Promise<Result & { profile?: Array<[string, number, number]> }> {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  let alerts = 0;
  const { pipeline, detect } = buildPipeline({
    flow: structuredClone(DEFAULT_FLOW_CONFIG),
    defrag: { timeoutSec: 60, memcap: 32 << 20, maxTrackers: 4096, maxFragsPerTracker: 256, policy: 'bsd' },
    detect: paths ? settings(paths) : null,
  }, () => {}, () => { alerts++; });
  const setupMs = performance.now() - t0;
  global.gc?.();
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / 1048576;
  if (detect && profiling) detect.detector.profiling = true;
  const src = openCaptureFiles([pcap]);
  let bytes = 0, pkts = 0;
  // Setup (rule loading) garbage is collected now; its gc entries arrive after a tick and
  // must not be counted in the timed loop (they were: the "12% GC" of the earlier notes).
  global.gc?.();
  await new Promise((r) => setTimeout(r, 100));
  const gc0 = gcMs;
  const t1 = performance.now();
  for (;;) {
    const b = src.next(0) as FileBatch | null;
    if (b === null) break;
    pipeline.processBatch(b);
    pkts += b.count;
    for (let i = 0; i < b.count; i++) bytes += b.wirelen[i];
    if (bytes >= limit) break;
  }
  pipeline.finish();
  const s = (performance.now() - t1) / 1000;
  await new Promise((r) => setTimeout(r, 100)); // gc entries are delivered asynchronously
  const gcUsed = gcMs - gc0;
  const stats = pipeline.statsSnapshot();
  let profile: Array<[string, number, number]> | undefined;
  if (detect && profiling) {
    const d = detect.detector;
    profile = d.compiled.rules.map((r) => [`${r.sid} ${r.msg.slice(0, 60)}`, d.profileNs[r.index], d.profileChecks[r.index]] as [string, number, number])
      .sort((a, b) => b[1] - a[1]).slice(0, 20);
  }
  detect?.detector.free();
  return { label, pkts, bytes, s, alerts, setupMs, heapMiB, stats, profile, gcMs: gcUsed };
}

function line(r: Result): string {
  return `${r.label.padEnd(28)} ${(r.bytes * 8 / r.s / 1e9).toFixed(2).padStart(6)} Gbit/s ${(r.pkts / r.s / 1e6).toFixed(3).padStart(7)} Mpps ${(r.s * 1e9 / r.pkts).toFixed(0).padStart(6)} ns/pkt`
    + `  alerts ${r.alerts}  load+compile ${r.setupMs.toFixed(0)} ms  heap +${r.heapMiB.toFixed(1)} MiB`
    + (r.stats['detect.candidates'] !== undefined ? `  candidates/pkt ${(r.stats['detect.candidates'] / Math.max(1, r.stats['detect.packets'])).toFixed(2)}` : '')
    + (r.stats['detect.stream_chunks'] !== undefined ? `  stream chunks ${r.stats['detect.stream_chunks']} (alerts ${r.stats['detect.stream_alerts']})` : '')
    + (r.stats['app_layer.tx'] !== undefined ? `  app tx ${r.stats['app_layer.tx']} (rule checks ${r.stats['app_layer.rule_checks'] ?? 0}, scans ${r.stats['app_layer.prefilter_scans'] ?? 0}, alerts ${r.stats['app_layer.alerts']})` : '')
    + `  GC ${(r.gcMs / (r.s * 1000) * 100).toFixed(1)}%`;
}

interface ChildJob { label: string; paths: string[] | null; profiling: boolean; limit: number }

if (process.argv[4] === '--child') {
  // One configuration in this process: its result as one JSON line on stdout.
  const job = JSON.parse(process.argv[5]) as ChildJob;
  process.stdout.write(JSON.stringify(await run(job.label, job.paths, job.profiling, job.limit)) + '\n');
} else {
  // Page cache warm-up: read the part of the capture the runs will read.
  {
    const fd = openSync(pcap, 'r'), chunk = Buffer.allocUnsafe(8 << 20);
    for (let pos = 0, n = 1; n > 0 && pos < limitBytes * 1.05; pos += n) n = readSync(fd, chunk, 0, chunk.length, pos);
    closeSync(fd);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-bench-rules-'));
  // The first 1,000 rules that load, as one file.
  const all = loadRules([ET]);
  const first1000 = join(tmp, 'et-1000.rules');
  writeFileSync(first1000, all.rules.slice(0, 1000).map((r) => r.text).join('\n') + '\n');
  const etFiles = readdirSync(ET).filter((f) => f.endsWith('.rules')).map((f) => join(ET, f));
  const child = (job: ChildJob): Result & { profile?: Array<[string, number, number]> } => JSON.parse(execFileSync(process.execPath,
    [...process.execArgv, process.argv[1], pcap, String(limitBytes / 1e6), '--child', JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] }));
  console.log(`capture ${pcap}, first ${(limitBytes / 1e6).toFixed(0)} MB; ET Open ${all.stats.loaded}/${all.stats.enabled} enabled rules load; one child process per configuration`);
  console.log(line(child({ label: 'no rules', paths: null, profiling: false, limit: limitBytes })));
  console.log(line(child({ label: 'ET Open first 1000 rules', paths: [first1000], profiling: false, limit: limitBytes })));
  console.log(line(child({ label: `ET Open all (${all.stats.loaded})`, paths: etFiles, profiling: false, limit: limitBytes })));
  const prof = child({ label: 'profiling pass (all rules)', paths: etFiles, profiling: true, limit: Math.min(limitBytes, 50e6) });
  console.log(`\n20 costliest rules (profiling pass over ${(prof.bytes / 1e6).toFixed(0)} MB; timer overhead included):`);
  console.log('  total ms   checks   ns/check  sid msg');
  for (const [name, ns, checks] of prof.profile!) {
    console.log(`  ${(ns / 1e6).toFixed(1).padStart(8)} ${String(checks).padStart(8)} ${(checks ? ns / checks : 0).toFixed(0).padStart(10)}  ${name}`);
  }
  rmSync(tmp, { recursive: true, force: true });
}

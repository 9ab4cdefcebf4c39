/**
 * bench/rules.ts — ET Open load + compile time and memory, and Vectorscan prefilter scan
 * throughput (batch API, one FFI call per 256 buffers) over real payloads of the bench seed
 * captures (extracted once with tshark). Usage: node dist/bench/rules.js [SEED_DIR]
 * Not the per-worker pipeline benchmark (needs the lead's worker wiring; see rules/NOTES.md).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../rules/loader.js';
import { compileRuleset } from '../rules/compiler.js';
import { BatchScanner, HsScratch } from '../native/vectorscan.js';

const seeds = process.argv[2] ?? '/work/shared/bench/seeds';
const heap0 = process.memoryUsage();
let t = performance.now();
const rs = loadRules(['/work/shared/rules/et-open']);
const loadMs = performance.now() - t;
t = performance.now();
const cold = compileRuleset(rs);
const compileMs = performance.now() - t;
const heap1 = process.memoryUsage();
console.log(`ET Open: ${rs.stats.loaded}/${rs.stats.enabled} enabled rules loaded; load ${loadMs.toFixed(0)} ms, compile ${compileMs.toFixed(0)} ms`);
console.log(`memory: heap +${((heap1.heapUsed - heap0.heapUsed) / 1048576).toFixed(1)} MiB, rss +${((heap1.rss - heap0.rss) / 1048576).toFixed(1)} MiB, Vectorscan DBs ${(cold.dbBytes / 1048576).toFixed(2)} MiB`);
for (const g of cold.groups) console.log(`  group ${g.name.padEnd(24)} patterns ${String(g.patterns).padStart(5)}  header-only rules ${g.always.length}`);

// Payloads of the seed captures, packed into one base array.
const chunks: Buffer[] = [];
for (const f of readdirSync(seeds).filter((x) => /\.pcap(ng)?$/.test(x)).slice(0, 12)) {
  const out = execFileSync('tshark', ['-r', join(seeds, f), '-T', 'fields', '-e', 'tcp.payload', '-e', 'udp.payload', '-o', 'tcp.desegment_tcp_streams:FALSE'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  for (const l of out.split('\n')) { const h = l.replace(/[\t:]/g, ''); if (h) chunks.push(Buffer.from(h, 'hex')); }
}
const base = Buffer.concat(chunks);
const offs: number[] = []; let o = 0;
for (const c of chunks) { offs.push(o); o += c.length; }
const g = cold.groups[0];
const scratch = new HsScratch().grow(g.db!);
const bs = new BatchScanner(256, 1 << 16);
let matches = 0;
t = performance.now();
const rounds = 5;
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < chunks.length; i += 256) {
    const n = Math.min(256, chunks.length - i);
    for (let k = 0; k < n; k++) { bs.off[k] = offs[i + k]; bs.len[k] = chunks[i + k].length; bs.tag[k] = i + k; }
    matches += bs.scan(g.db!, scratch, base, n);
  }
}
const s = (performance.now() - t) / 1000;
const pkts = chunks.length * rounds, bytes = base.length * rounds;
console.log(`prefilter (${g.name}, ${g.patterns} patterns): ${pkts} payloads, ${(bytes / 1e6).toFixed(1)} MB: ${(pkts / s / 1e6).toFixed(2)} Mpps, ${(bytes * 8 / s / 1e9).toFixed(2)} Gbit/s, ${(s * 1e9 / pkts).toFixed(0)} ns/payload, ${matches} matches`);

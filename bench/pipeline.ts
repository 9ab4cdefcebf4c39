/**
 * Issue 2's benchmark: read + decode + flow tracking, and the full run into embedded
 * ClickHouse, for 1 and 2 workers, on the 1 GiB mkbench capture (built with
 * ../shared/tools/mkbench when missing). Each run is a separate process. Prints pps, Gbit/s,
 * ns/packet (wall and CPU) and peak RSS. Not a test: run it on demand (`npm run bench`).
 *   node dist/bench/pipeline.js [FILE] [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
let file = args.find((a, i) => !a.startsWith('--') && (runsAt < 0 || i !== runsAt + 1));
if (!file) {
  file = path.join(ROOT, 'bench/.data/bench-1g.pcap');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    process.stderr.write('building the 1 GiB benchmark capture with mkbench (about 10 s)...\n');
    execFileSync('python3', [path.join(ROOT, '../shared/tools/mkbench'), file, '1G', '-q'], { stdio: 'inherit' });
  }
}
const runner = path.join(ROOT, 'dist/bench/pipeline-run.js');
console.log(`file: ${file}`);
console.log('stage                       workers   packets/s   Gbit/s   ns/pkt(wall)   ns/pkt(cpu)   peak RSS MiB   flows');
const stages: [string, string, string][] = [
  ['read+decode+flow', 'none', 'flow-only'],
  ['+ TCP reassembly', 'none', 'reassembly'],
  ['full run incl. ClickHouse', 'embedded', 'reassembly'],
];
for (const [stage, mode, reasm] of stages) {
  for (const workers of [1, 2]) {
    for (let r = 0; r < runs; r++) {
      const out = execFileSync(process.execPath, [runner, file, String(workers), mode, reasm], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const j = JSON.parse(out.trim().split('\n').pop()!);
      console.log(`${stage.padEnd(28)}${String(workers).padStart(7)}${(j.pps / 1e6).toFixed(2).padStart(10)} M${j.gbps.toFixed(2).padStart(9)}` +
        `${j.nsPerPacket.toFixed(0).padStart(15)}${j.cpuNsPerPacket.toFixed(0).padStart(14)}${j.peakRssMiB.toFixed(0).padStart(15)}${String(j.flows).padStart(8)}`);
    }
  }
}
console.log('reference (Suricata 7.0.6, same file, one worker, no rules): 1.22 Mpps');

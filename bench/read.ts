/**
 * Offline read speed: the file reader over a big pcap (default bench/.data/bench-1g.pcap)
 * with 1, 4 and 16 MiB chunks, single-consumer and shared-pool modes, beside libpcap
 * (tcpdump -r with a never-matching filter) and wiretap (capinfos -c) reading the same file.
 * Numbers are with the file in the page cache (a first untimed pass warms it).
 *   node dist/bench/read.js [file.pcap|file.pcapng ...] [--runs N]
 * (a pcapng copy for comparison: editcap -F pcapng bench-1g.pcap /tmp/bench-1g.pcapng)
 * Prints frames/s, Gbit/s (captured bytes) and ns/frame per configuration.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { openCaptureFiles, readAll, type FileSourceOptions } from '../sensor/capture/file.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const named = args.filter((a, i) => !a.startsWith('--') && i !== runsAt + 1);
const files = named.length > 0 ? named : [new URL('../../bench/.data/bench-1g.pcap', import.meta.url).pathname];
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
for (const f of files) {
  if (!fs.existsSync(f)) {
    console.error(`bench/read: ${f} not found (make it with ../shared/tools/mkbench)`);
    process.exit(1);
  }
}

function line(label: string, frames: number, bytes: number, ns: number, note = ''): void {
  const s = ns / 1e9;
  console.log(`${label.padEnd(34)} ${(frames / s / 1e6).toFixed(2).padStart(7)} Mframes/s ${((bytes * 8) / s / 1e9).toFixed(2).padStart(7)} Gbit/s ${(ns / frames).toFixed(1).padStart(7)} ns/frame${note}`);
}

function ours(file: string, label: string, opts: FileSourceOptions): void {
  let best = Infinity;
  let frames = 0;
  let bytes = 0;
  let rssGrowth = 0;
  for (let r = 0; r < runs; r++) {
    const rss0 = process.memoryUsage.rss();
    const t0 = process.hrtime.bigint();
    const src = openCaptureFiles([file], opts);
    const sum = readAll(src);
    const ns = Number(process.hrtime.bigint() - t0);
    rssGrowth = Math.max(rssGrowth, process.memoryUsage.rss() - rss0);
    if (sum.error) throw new Error(sum.error);
    frames = sum.frames;
    bytes = sum.bytes;
    best = Math.min(best, ns);
  }
  line(label, frames, bytes, best, `  (best of ${runs}, rss +${(rssGrowth / 2 ** 20).toFixed(1)} MiB)`);
}

function peer(label: string, cmd: string, argv: string[], frames: number, bytes: number): void {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    try {
      execFileSync(cmd, argv, { stdio: 'ignore' });
    } catch (e) {
      console.log(`${label.padEnd(34)} not run: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  line(label, frames, bytes, best, `  (best of ${runs}, whole process)`);
}

for (const file of files) {
  console.log(`file ${file}: ${fs.statSync(file).size} bytes`);
  const warm = readAll(openCaptureFiles([file])); // warm the page cache, count frames
  console.log(`${warm.frames} frames, ${warm.bytes} captured bytes, ${warm.wireBytes} wire bytes`);
  for (const mib of [1, 4, 16]) ours(file, `fennec ${mib} MiB chunks`, { chunkBytes: mib << 20 });
  for (const mib of [1, 4, 16]) ours(file, `fennec shared pool 8 x ${mib} MiB`, { chunkBytes: mib << 20, shared: true, poolChunks: 8 });
  peer('tcpdump -r (libpcap, no match)', 'tcpdump', ['-n', '-r', file, 'ether proto 0xffff'], warm.frames, warm.bytes);
  peer('capinfos -c (wiretap)', 'capinfos', ['-c', file], warm.frames, warm.bytes);
}

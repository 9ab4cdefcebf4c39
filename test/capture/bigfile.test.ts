/**
 * Constant memory on a big file: the 1 GiB benchmark pcap (2,247,625 frames) is read with the
 * default reader and with the shared pool; RSS must not grow with the file (bounded by the
 * chunk memory plus slack), and the counts must be exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openCaptureFiles, readAll, type FileSourceOptions } from '../../sensor/capture/file.js';
import * as path from 'node:path';
import { BENCH_PCAP, SHARED } from '../helpers/paths.js';

const BIG = BENCH_PCAP;
const FRAMES = 2247625;
// The benchmark capture is built here when missing (mkbench is deterministic: the same
// 1 GiB file `npm run bench` uses, about 10 s), so these tests run on a fresh clone too.
if (!fs.existsSync(BIG) && fs.existsSync(path.join(SHARED, 'tools/mkbench'))) {
  fs.mkdirSync(path.dirname(BIG), { recursive: true });
  execFileSync('python3', [path.join(SHARED, 'tools/mkbench'), BIG + '.part', '1G', '-q']);
  fs.renameSync(BIG + '.part', BIG);
}

function readWatchingRss(opts: FileSourceOptions): { frames: number; bytes: number; growth: number } {
  const src = openCaptureFiles([BIG], opts);
  const rss0 = process.memoryUsage.rss();
  let peak = rss0;
  let n = 0;
  const sum = readAll(src, () => {
    if ((n++ & 63) === 0) peak = Math.max(peak, process.memoryUsage.rss());
  });
  peak = Math.max(peak, process.memoryUsage.rss());
  assert.equal(sum.error, null);
  return { frames: sum.frames, bytes: sum.bytes, growth: peak - rss0 };
}

test('1 GiB pcap: exact frame count and constant memory (RSS growth < 32 MiB)', () => {
  const size = fs.statSync(BIG).size;
  // Mapped: the 16 MiB window's page-cache pages count in RSS while mapped (RssFile), so the
  // same bound holds; windows are replaced in one slot, never accumulated.
  for (const opts of [{}, { shared: true, poolChunks: 4 }, { mmap: true }, { mmap: true, shared: true, poolWindows: 1 }] as FileSourceOptions[]) {
    const r = readWatchingRss(opts);
    assert.equal(r.frames, FRAMES, JSON.stringify(opts));
    // pcap: the file is its 24-byte header, 16 bytes per record header, and the frames.
    assert.equal(r.bytes, size - 24 - 16 * FRAMES);
    // Chunks are allocated before rss0; what grows is page faults on them (<= 16 MiB) and GC slack.
    assert.ok(r.growth < 32 * 2 ** 20, `RSS grew ${(r.growth / 2 ** 20).toFixed(1)} MiB reading ${(size / 2 ** 30).toFixed(2)} GiB`);
  }
});

test('1 GiB pcap: reading allocates nothing per frame (young-generation GCs with a 1 MiB semi-space)', () => {
  // With a 1 MiB semi-space, 16 bytes per frame (one boxed number) over 2.2 M frames would be
  // ~34 scavenges; the reader allocates per batch at most, measured 0-1.
  const fileJs = fileURLToPath(new URL('../../sensor/capture/file.js', import.meta.url));
  const script = `import(${JSON.stringify(fileJs)}).then(({ openCaptureFiles, readAll }) => {
    const s = openCaptureFiles([${JSON.stringify(BIG)}]);
    console.log('START'); const r = readAll(s); console.log('END ' + r.frames);
  });`;
  const out = execFileSync(process.execPath, ['--max-semi-space-size=1', '--trace-gc', '-e', script], { encoding: 'utf8' });
  const during = out.slice(out.indexOf('START'), out.indexOf('END'));
  const scavenges = during.split('\n').filter((l) => l.includes('Scavenge')).length;
  assert.match(out, new RegExp(`END ${FRAMES}`));
  assert.ok(scavenges <= 4, `${scavenges} scavenges while reading ${FRAMES} frames`);
});

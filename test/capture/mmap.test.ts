/**
 * Memory-mapped reading (sensor/capture/file-map.ts): the mapped path gives exactly the frames
 * of the read(2) path on every corpus file and fixture, also with windows so small that
 * records straddle window ends all the time; held batches keep their window slot mapped;
 * a file cut between windows ends at the cut (no SIGBUS); the threaded run over mapped
 * windows (workers view the dispatcher's slots) equals the read(2) chunk path and the inline run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, SHARED, findCaptures, fnv1a, readFrames } from './oracle.js';
import { openCaptureFiles, type FileBatch } from '../../sensor/capture/file.js';
import { mmapUnavailable } from '../../sensor/capture/file-map.js';
import { runOffline } from '../../sensor/run.js';
import { sensorConfig } from '../helpers/layers.js';
import type { FlowRecord } from '../../sensor/flow/record.js';

const seedsDir = path.join(SHARED, 'bench/seeds');
const seeds = findCaptures(seedsDir);
const corpus = [...findCaptures(path.join(SHARED, 'corpus/suricata-verify')), ...seeds, ...findCaptures(FIXTURES)];
const skip = mmapUnavailable() !== '' ? mmapUnavailable() : seeds.length === 0 ? 'no shared corpus' : false;
/** Small windows: 70001-byte chunks make 74097-byte windows (19 pages), so many records straddle. */
const SMALL = { mmap: true, chunkBytes: 70001, windowBytes: 1 };

test('mmap: every corpus file and fixture gives the read(2) frames, mapped whole and in small windows', { skip }, () => {
  let straddled = 0;
  for (const f of corpus) {
    const ref = readFrames([f], { mmap: false });
    for (const opts of [{ mmap: true }, SMALL]) {
      const got = readFrames([f], opts);
      const what = `${f} ${JSON.stringify(opts)}`;
      assert.equal(got.error, ref.error, what);
      assert.deepEqual(got.hash, ref.hash, `${what}: frame bytes`);
      assert.deepEqual(got.tsUs, ref.tsUs, `${what}: timestamps`);
      assert.deepEqual(got.caplen, ref.caplen, what);
      assert.deepEqual(got.wirelen, ref.wirelen, what);
      assert.deepEqual(got.iface, ref.iface, what);
    }
    const src = openCaptureFiles([f], SMALL);
    while (!src.done) src.next(0);
    const st = src.stats();
    assert.equal(st.mappedFiles, 1, f);
    assert.equal(st.mmapFallbacks, 0, f);
    straddled += st.mappedWindows - 1;
    src.close();
  }
  // Measured: 402 window changes over the corpus with these windows.
  assert.ok(straddled > 300, `${straddled} window changes`);
});

test('mmap: shared mode, batches held out of order keep their window slots mapped; backpressure when every slot is held', { skip }, () => {
  const ref = readFrames(seeds, { mmap: false });
  const src = openCaptureFiles(seeds, { ...SMALL, shared: true, poolWindows: 3 });
  assert.equal(src.windowSlots().length, 3);
  const held: { b: FileBatch; hashes: number[] }[] = [];
  const hashes: number[] = [];
  let stalls = 0;
  let seed = 99;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const releaseOne = () => {
    const h = held.splice(Math.floor(rnd() * held.length), 1)[0];
    for (let i = 0; i < h.b.count; i++) assert.equal(fnv1a(h.b.data, h.b.offset[i], h.b.caplen[i]), h.hashes[i], 'held frame bytes changed');
    src.release(h.b);
  };
  while (!src.done) {
    const b = src.next(0);
    if (b === null) {
      if (src.done) break;
      stalls++;
      assert.ok(held.length > 0, 'null with nothing held');
      releaseOne();
      continue;
    }
    assert.equal(b.chunk, -1, 'mapped batch');
    assert.ok(b.slot >= 0 && b.slot < 3);
    const hs: number[] = [];
    for (let i = 0; i < b.count; i++) hs.push(fnv1a(b.data, b.offset[i], b.caplen[i]));
    hashes.push(...hs);
    held.push({ b, hashes: hs });
    while (held.length > 12 || (held.length > 0 && rnd() < 0.3)) releaseOne();
  }
  while (held.length > 0) releaseOne();
  assert.equal(src.error, null);
  assert.deepEqual(hashes, ref.hash);
  assert.ok(stalls > 0, 'backpressure never happened');
  assert.ok(src.stats().chunkStalls >= stalls);
  src.close();
});

test('mmap: a file cut between two windows ends at the cut (truncated record), frames before intact, no SIGBUS', { skip }, () => {
  const f = path.join(seedsDir, 'smb2-async-read.pcap');
  const ref = readFrames([f], { mmap: false });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fennec-mmap-'));
  try {
    const cut = path.join(tmp, 'cut.pcap');
    fs.copyFileSync(f, cut);
    const size = fs.statSync(cut).size;
    const src = openCaptureFiles([cut], SMALL);
    const hashes: number[] = [];
    let cutAt = -1;
    while (!src.done) {
      const b = src.next(0);
      if (b === null) continue;
      for (let i = 0; i < b.count; i++) hashes.push(fnv1a(b.data, b.offset[i], b.caplen[i]));
      if (cutAt < 0 && b.dataBase > size / 3) {
        // Cut after the current window, in the middle of a later record.
        cutAt = b.dataBase + b.window!.len + 1001;
        fs.truncateSync(cut, cutAt);
      }
    }
    assert.ok(cutAt > 0 && cutAt < size);
    assert.match(src.error ?? '', /truncated record/);
    assert.ok(hashes.length > 0 && hashes.length < ref.hash.length);
    assert.deepEqual(hashes, ref.hash.slice(0, hashes.length));
    src.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('mmap: 2 and 4 workers viewing the dispatcher\'s mapped windows give the flow records of the read(2) chunk path and of 1 worker', { skip }, async () => {
  const canon = (rs: FlowRecord[]) => rs.map((r) => JSON.stringify(r)).sort();
  const run = async (workers: number, mmap: boolean) => {
    const out: FlowRecord[] = [];
    const res = await runOffline({ paths: [seedsDir], workers, config: sensorConfig(), mmap, sink: { flows: (r) => { for (const x of r) out.push(x); } } });
    return { recs: canon(out), res };
  };
  const one = await run(1, true);
  const mapped = await run(2, true);
  const read = await run(2, false);
  // 4 workers: the dispatcher keeps no share (route.ts) and feeds 4 ring workers.
  const four = await run(4, true);
  assert.ok(one.recs.length > 800);
  assert.equal(mapped.res.dispatcher?.mappedFiles, seeds.length);
  assert.equal(read.res.dispatcher?.mappedFiles, 0);
  assert.deepEqual(mapped.recs, one.recs);
  assert.deepEqual(read.recs, one.recs);
  assert.deepEqual(four.recs, one.recs);
  assert.equal(four.res.workerStats.length, 4);
  assert.equal(mapped.res.workerStats.length, 2, 'dispatcher pipeline + 1 ring worker');
  assert.equal(mapped.res.packets, one.res.packets);
});

/**
 * Every pcap of the shared corpus (suricata-verify cases and bench seeds) read by our reader
 * equals tshark: frame count, and per frame caplen, wirelen, timestamp (µs), link type.
 * Then the same files read with small odd chunk sizes and through the shared chunk pool give
 * byte-identical frames (every record straddling a chunk boundary is carried correctly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { FRAME_FIELDS, SHARED, compareWithTshark, findCaptures, pool, readFrames, tsharkFields, fnv1a } from './oracle.js';
import { openCaptureFiles } from '../../sensor/capture/file.js';

const corpus = [...findCaptures(path.join(SHARED, 'corpus/suricata-verify')), ...findCaptures(path.join(SHARED, 'bench/seeds'))];

test('corpus: frame count, caplen, wirelen, timestamp and link type equal tshark for every file', async () => {
  assert.ok(corpus.length >= 100, `expected the shared corpus, found ${corpus.length} files`);
  const problems = await pool(corpus, 2, async (f) => compareWithTshark(f, readFrames([f]), await tsharkFields(f, FRAME_FIELDS)));
  const bad = problems.filter((p) => p !== '');
  assert.deepEqual(bad, [], `${bad.length} of ${corpus.length} files differ`);
});

test('corpus: small odd chunk sizes give the same frames (records straddling chunk ends)', () => {
  const seeds = findCaptures(path.join(SHARED, 'bench/seeds'));
  let frames = 0;
  for (const f of seeds) {
    const ref = readFrames([f]);
    // 70001: larger than any seed frame (max 65550 bytes + header); odd so boundaries fall everywhere.
    for (const chunkBytes of [70001, 262147 + 4096]) {
      const got = readFrames([f], { chunkBytes });
      assert.equal(got.error, null, `${f} chunk ${chunkBytes}`);
      assert.deepEqual(got.hash, ref.hash, `${f} chunk ${chunkBytes}: frame bytes`);
      assert.deepEqual(got.tsUs, ref.tsUs, `${f} chunk ${chunkBytes}: timestamps`);
    }
    frames += ref.hash.length;
  }
  assert.ok(frames > 10000);
});

test('corpus: shared pool with batches held out of order delivers intact frames and applies backpressure', () => {
  const seeds = findCaptures(path.join(SHARED, 'bench/seeds'));
  const ref = readFrames(seeds);
  const src = openCaptureFiles(seeds, { shared: true, poolChunks: 3, chunkBytes: 100003 });
  assert.ok(src.chunkBuffers().every((b) => b.buffer instanceof SharedArrayBuffer));
  type Held = { b: ReturnType<typeof src.next> & object; hashes: number[]; first: number };
  const held: Held[] = [];
  const hashes: number[] = [];
  let stalls = 0;
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  while (!src.done) {
    const b = src.next(0);
    if (b === null) {
      if (src.done) break;
      // Backpressure: every chunk is held. Release a random held batch, after checking its bytes.
      stalls++;
      assert.ok(held.length > 0, 'null with nothing held');
      const h = held.splice(Math.floor(rnd() * held.length), 1)[0];
      for (let i = 0; i < h.b.count; i++) assert.equal(fnv1a(h.b.data, h.b.offset[i], h.b.caplen[i]), h.hashes[i], 'held frame bytes changed');
      src.release(h.b);
      continue;
    }
    assert.ok(b.tsUs.buffer instanceof SharedArrayBuffer);
    const hs: number[] = [];
    for (let i = 0; i < b.count; i++) hs.push(fnv1a(b.data, b.offset[i], b.caplen[i]));
    hashes.push(...hs);
    held.push({ b, hashes: hs, first: 0 });
    // Hold up to 40 batches, releasing randomly so chunks free up out of order.
    while (held.length > 40 || (held.length > 0 && rnd() < 0.3)) {
      const h = held.splice(Math.floor(rnd() * held.length), 1)[0];
      for (let i = 0; i < h.b.count; i++) assert.equal(fnv1a(h.b.data, h.b.offset[i], h.b.caplen[i]), h.hashes[i], 'held frame bytes changed');
      src.release(h.b);
    }
  }
  assert.equal(src.error, null);
  assert.equal(hashes.length, ref.hash.length);
  assert.deepEqual(hashes, ref.hash);
  assert.ok(stalls > 0, 'backpressure never happened');
  assert.equal(src.stats().chunkStalls >= stalls, true);
  const perFile = src.files();
  assert.equal(perFile.length, seeds.length);
  assert.equal(perFile.reduce((a, f) => a + f.frames, 0), ref.hash.length);
});

/**
 * Every link type Fennec decodes, on real frames: each `linktype-*` fixture holds frames of
 * linktype-eth.pcap re-framed with another link header (test/fixtures/capture/README.md);
 * the IP layers we decode from each must equal those of the Ethernet original, frame by frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../capture/oracle.js';
import { decodeLayersOf } from '../helpers/layers.js';

interface Fixture { file: string; linktype: number; frames: number[] }
const fixtures = (JSON.parse(readFileSync(path.join(FIXTURES, 'fixtures.json'), 'utf8')) as Fixture[])
  .filter((f) => f.file.startsWith('linktype-') && f.file !== 'linktype-eth.pcap');

const eth = decodeLayersOf(path.join(FIXTURES, 'linktype-eth.pcap')).frames;

for (const fx of fixtures) {
  test(`${fx.file} (LINKTYPE ${fx.linktype}) decodes like its Ethernet original`, () => {
    const { frames, stats } = decodeLayersOf(path.join(FIXTURES, fx.file));
    assert.equal(frames.length, fx.frames.length);
    let ip = 0;
    fx.frames.forEach((orig, i) => {
      assert.deepEqual(frames[i], eth[orig], `frame ${i + 1} (original ${orig + 1})`);
      ip += frames[i].length;
    });
    assert.ok(ip > 0, 'some IP layers decoded');
    assert.equal(stats['decoder.unknown_linktype'], 0);
  });
}

/**
 * Results do not depend on the worker count: the flow records of `--workers 1` (pipeline in
 * the main thread) and `--workers 2` / `3` (dispatcher thread + workers over shared rings)
 * are identical, field for field, on the bench seeds read as one input (time jumps back
 * between files) and on a mkbench capture (the same tunnelled flows replayed through many
 * outer address pairs, interleaved).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SHARED } from '../capture/oracle.js';
import { flowsOf } from '../helpers/layers.js';
import type { FlowRecord } from '../../sensor/flow/record.js';

const canon = (rs: FlowRecord[]) => rs.map((r) => JSON.stringify(r)).sort();

test('seeds directory: identical flow records for 1, 2 and 3 workers', async () => {
  const seeds = path.join(SHARED, 'bench/seeds');
  const one = canon(await flowsOf([seeds], 1));
  assert.ok(one.length > 800);
  assert.deepEqual(canon(await flowsOf([seeds], 2)), one);
  assert.deepEqual(canon(await flowsOf([seeds], 3)), one);
});

test('mkbench capture (replicated, interleaved, tunnels): identical flow records for 1 and 2 workers', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-workers-'));
  try {
    const out = path.join(dir, 'bench.pcap');
    execFileSync('python3', [path.join(SHARED, 'tools/mkbench'), out, '64M', '--key', '3', '-q']);
    const one = await flowsOf([out], 1);
    const two = await flowsOf([out], 2);
    assert.ok(one.length > 1000, `${one.length} flows`);
    assert.ok(one.some((r) => r.tunnel_depth > 0), 'tunnelled flows present');
    assert.deepEqual(canon(two), canon(one));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

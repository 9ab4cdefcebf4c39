/** Cross-restart persistence: one process writes to an embedded store dir, a new process reads it back. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixtureFlows } from './fixture.js';

it('flows written by one process are read back by a new process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fennec-persist-'));
  const child = fileURLToPath(new URL('./persist-child.js', import.meta.url));
  try {
    execFileSync(process.execPath, [child, 'write', dir], { stdio: 'inherit' });
    const out = JSON.parse(execFileSync(process.execPath, [child, 'read', dir], { encoding: 'utf8' })) as {
      rows: { id: string; b: string }[]; migrations: { applied: number[] };
    };
    assert.deepEqual(out.migrations.applied, [], 'schema already there after restart');
    const want = fixtureFlows().map((f) => ({ id: f.flow_id, b: String(f.bytes_toserver) })).sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.deepEqual(out.rows, want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * ClickHouse outage: retry, bounded memory, spool to disk, replay.
 *
 * FAKE SERVER, clearly: Debian 12 has no ClickHouse server package, so the remote store talks
 * to a loopback HTTP server of this test that speaks just enough of ClickHouse's HTTP
 * interface: DDL/SELECT answer 200 with an empty body, `INSERT … FORMAT JSONCompactEachRow`
 * bodies are parsed and recorded. It can answer 503, or be shut down (connection refused).
 * Everything else about the store is tested against real chdb (store.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FlowRecord } from '../../sensor/flow/record.js';
import { openStore, type StoreConfig } from '../../sensor/output/clickhouse.js';
import { fixtureFlows } from './fixture.js';

let mode: 'ok' | '503' = 'ok';
const inserted: string[] = []; // flow_id of every row the fake accepted
let server: Server | null = null;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'fennec-outage-'));
const spoolDir = join(dir, 'spool');
let flows: FlowRecord[];

async function startFake(): Promise<void> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === '503') {
        res.writeHead(503).end('Service Unavailable');
        return;
      }
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      if (/^INSERT INTO \w+\.flows/.test(q)) {
        for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
          if (line !== '') inserted.push((JSON.parse(line) as string[])[0]!);
        }
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('');
    });
  });
  await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
  port = (server!.address() as AddressInfo).port;
}

async function stopFake(): Promise<void> {
  const s = server!;
  server = null;
  s.closeAllConnections();
  await new Promise<void>((r) => s.close(() => r()));
}

const spooled = (): string[] => readdirSync(spoolDir).filter((f) => f.endsWith('.jsonl'));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cfg = (): StoreConfig => ({
  kind: 'remote', url: `http://127.0.0.1:${port}`, database: 'fennec', spoolDir, batchRows: 10, highWaterRows: 20,
  memoryCapRows: 50, flushIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100, requestTimeoutMs: 2000,
});

before(async () => {
  flows = fixtureFlows();
  await startFake();
});
after(async () => {
  if (server) await stopFake();
  rmSync(dir, { recursive: true, force: true });
});

it('buffers through 503s and connection refused, spools past the memory cap, replays everything once', async () => {
  const store = await openStore(cfg());
  mode = '503';
  const accepted = store.insertFlows(flows); // 102 rows > memoryCapRows 50: oldest batches go to disk at once
  assert.equal(accepted, false, 'above the high-water mark');
  assert.ok(spooled().length >= 5, 'spooled past the memory cap');
  await until(() => store.stats().retries >= 3);
  let st = store.stats();
  assert.equal(st.outage, true);
  assert.ok(st.rows_queued <= 20, `memory back at the high-water mark during the outage (${st.rows_queued})`);
  await store.ready(); // resolves: rows went to disk instead of memory
  assert.equal(inserted.length, 0);
  // Now the server goes away entirely: connection refused.
  await stopFake();
  const r0 = store.stats().retries;
  await until(() => store.stats().retries >= r0 + 3);
  assert.match(store.stats().last_error ?? '', /ECONNREFUSED|connect/i);
  // Back up: spool replayed oldest-first, then memory; nothing lost, nothing twice.
  mode = 'ok';
  await startFake();
  await store.flush();
  st = store.stats();
  assert.equal(st.outage, false);
  assert.equal(st.rows_inserted.flows, flows.length);
  assert.ok(st.rows_replayed > 0 && st.rows_spooled === st.rows_replayed, `spooled ${st.rows_spooled} replayed ${st.rows_replayed}`);
  assert.equal(st.rows_dropped, 0);
  assert.deepEqual([...inserted].sort(), flows.map((f) => f.flow_id).sort());
  assert.equal(new Set(inserted).size, inserted.length);
  assert.deepEqual(spooled(), []);
  await store.close();
});

it('close() during an outage spools what is left; the next open replays it', async () => {
  inserted.length = 0;
  const store = await openStore({ ...cfg(), closeTimeoutMs: 300 });
  mode = '503';
  store.insertFlows(flows.slice(0, 15));
  const st = await store.close();
  assert.equal(st.rows_inserted.flows, 0);
  assert.equal(st.rows_spooled, 15);
  assert.ok(spooled().length >= 1);
  mode = 'ok';
  const again = await openStore(cfg()); // a restarted sensor
  await again.flush();
  assert.equal(again.stats().rows_replayed, 15);
  assert.deepEqual([...inserted].sort(), flows.slice(0, 15).map((f) => f.flow_id).sort());
  assert.deepEqual(spooled(), []);
  await again.close();
});

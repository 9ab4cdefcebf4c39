/**
 * Store against real chdb (embedded ClickHouse 26) in a temp dir. chdb binds one data dir per
 * process, so this whole file shares one dir (reopened between tests; node --test runs each
 * file in its own process). Flow rows come from real pcaps via tshark (fixture.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FlowRecord } from '../../sensor/flow/record.js';
import type { AlertRecord } from '../../sensor/output/alert-record.js';
import { openStore, type Store, type StoreConfig } from '../../sensor/output/clickhouse.js';
import { MIGRATIONS } from '../../sensor/output/schema.js';
import { fixtureFlows } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'fennec-store-'));
const base: StoreConfig = { kind: 'embedded', dataDir: join(dir, 'db'), database: 'fennec_t', ttlDays: 15000, spoolDir: join(dir, 'spool') };
let flows: FlowRecord[];

async function q<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

function unmap(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

before(() => {
  flows = fixtureFlows();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('schema migrations', () => {
  it('applies every migration once, in order, and re-opening is a no-op', async () => {
    const s1 = await openStore(base);
    assert.deepEqual(s1.stats().migrations.applied, MIGRATIONS.map((m) => m.version));
    await s1.close();
    const s2 = await openStore(base);
    assert.deepEqual(s2.stats().migrations, { applied: [], ttlChanged: [] });
    const rows = await q<{ version: number; name: string }>(s2, 'SELECT version, name FROM fennec_t.schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => Number(r.version)), MIGRATIONS.map((m) => m.version));
    const tables = await q<{ name: string; engine: string; sorting_key: string; partition_key: string }>(
      s2, "SELECT name, engine, sorting_key, partition_key FROM system.tables WHERE database = 'fennec_t' ORDER BY name");
    const byName = new Map(tables.map((t) => [t.name, t]));
    assert.equal(byName.get('flows')!.engine, 'ReplacingMergeTree');
    assert.match(byName.get('flows')!.sorting_key, /^toStartOfFiveMinutes\(start\)/);
    assert.match(byName.get('alerts')!.sorting_key, /^toStartOfFiveMinutes\(timestamp\), signature_id/);
    for (const t of ['flows_1m', 'flows_1h', 'flows_1m_mv', 'flows_1h_mv']) assert.ok(byName.has(t), t);
    const idx = await q<{ name: string; type: string }>(s2, "SELECT name, type FROM system.data_skipping_indices WHERE database = 'fennec_t' AND table = 'flows' ORDER BY name");
    assert.deepEqual(idx.map((i) => `${i.name}:${i.type}`), [
      'idx_community_id:bloom_filter', 'idx_dest_ip:bloom_filter', 'idx_end:minmax', 'idx_flow_id:bloom_filter', 'idx_src_ip:bloom_filter']);
    await s2.close();
  });

  it('changes the retention TTL on open when ttlDays changes, and only then', async () => {
    const s = await openStore({ ...base, ttlDays: 2000 });
    assert.deepEqual(s.stats().migrations.ttlChanged.sort(), ['alerts', 'flows', 'flows_1h', 'flows_1m']);
    const [f] = await q<{ engine_full: string }>(s, "SELECT engine_full FROM system.tables WHERE database = 'fennec_t' AND name = 'flows'");
    assert.match(f!.engine_full, /TTL toDateTime\(stored_at\) \+ toIntervalDay\(2000\)/);
    assert.match(f!.engine_full, /ttl_only_drop_parts = 1/);
    await s.close();
    const s2 = await openStore({ ...base, ttlDays: 2000 });
    assert.deepEqual(s2.stats().migrations.ttlChanged, []);
    await s2.close();
  });
});

describe('writer', () => {
  it('round-trips every FlowRecord field (real pcap flows) and batches by rows', async () => {
    const s = await openStore({ ...base, batchRows: 25, highWaterRows: 1000, flushIntervalMs: 3_600_000 });
    assert.equal(s.insertFlows(flows), true);
    await s.flush();
    const st = s.stats();
    assert.equal(st.rows_inserted.flows, flows.length);
    assert.equal(st.inserts, Math.ceil(flows.length / 25));
    assert.equal(st.rows_queued, 0);
    const got = await q<Record<string, unknown>>(s,
      `SELECT toString(flow_id) AS flow_id, * EXCEPT flow_id, toString(src_ip) AS src_ip, toString(dest_ip) AS dest_ip, start_us, end_us
       FROM fennec_t.flows FINAL ORDER BY flow_id`);
    assert.equal(got.length, flows.length);
    const byId = new Map(got.map((r) => [r.flow_id as string, r]));
    for (const f of flows) {
      const r = byId.get(f.flow_id);
      assert.ok(r, `flow ${f.flow_id} stored`);
      for (const [k, v] of Object.entries(f)) {
        const stored: unknown = k === 'src_ip' || k === 'dest_ip' ? unmap(r[k] as string) : r[k];
        const want = typeof v === 'number' ? v : v;
        assert.deepEqual(typeof want === 'number' ? Number(stored) : stored, want, `${f.flow_id}.${k}`);
      }
    }
    await s.close();
  });

  it('periodic records and the final record of one flow read back once, with the final counters', async () => {
    const s = await openStore(base);
    // No background merges: FINAL (not a merge that happened to run) must collapse the records.
    await s.client.command({ query: 'SYSTEM STOP MERGES fennec_t.flows' });
    const f = flows.find((x) => x.proto === 6 && x.pkts_toclient > 3)!;
    const id = '777000000000000001';
    const periodic = (frac: number, end: number): FlowRecord => ({
      ...f, flow_id: id, reason: 'periodic', state: 'established',
      pkts_toserver: Math.floor(f.pkts_toserver * frac), bytes_toserver: Math.floor(f.bytes_toserver * frac), end_us: end,
    });
    const final: FlowRecord = { ...f, flow_id: id };
    // Separate INSERTs (separate parts), final not last, and a periodic with the same `end` as the final.
    s.insertFlows([periodic(0.3, f.start_us + 1)]);
    await s.flush();
    s.insertFlows([final]);
    await s.flush();
    s.insertFlows([periodic(0.6, f.end_us)]);
    await s.flush();
    const raw = await q<{ c: string }>(s, 'SELECT count() AS c FROM fennec_t.flows WHERE flow_id = {id:UInt64}', { id });
    assert.equal(Number(raw[0]!.c), 3, 'three records stored before merge');
    const rows = await q<{ pkts_toserver: string; bytes_toserver: string; reason: string }>(s,
      'SELECT pkts_toserver, bytes_toserver, reason FROM fennec_t.flows FINAL WHERE flow_id = {id:UInt64}', { id });
    assert.deepEqual(rows.map((r) => [Number(r.pkts_toserver), Number(r.bytes_toserver), r.reason]),
      [[f.pkts_toserver, f.bytes_toserver, f.reason]]);
    // The 1-minute roll-up counts only the final record.
    const roll = await q<{ flows: string; bytes: string }>(s,
      `SELECT sum(flows) AS flows, sum(bytes) AS bytes FROM fennec_t.flows_1m WHERE in_iface = {i:String} AND bucket = toStartOfMinute(fromUnixTimestamp64Micro({t:Int64}))`,
      { i: f.in_iface, t: f.start_us });
    const direct = await q<{ flows: string; bytes: string }>(s,
      `SELECT count() AS flows, sum(bytes_toserver + bytes_toclient) AS bytes FROM fennec_t.flows FINAL
       WHERE in_iface = {i:String} AND toStartOfMinute(start) = toStartOfMinute(fromUnixTimestamp64Micro({t:Int64}))`,
      { i: f.in_iface, t: f.start_us });
    assert.deepEqual(roll, direct);
    await s.client.command({ query: 'SYSTEM START MERGES fennec_t.flows' });
    await s.close();
  });

  it('round-trips an AlertRecord', async () => {
    const s = await openStore(base);
    const f = flows[3]!;
    const a: AlertRecord = {
      timestamp_us: f.start_us + 123, flow_id: f.flow_id, community_id: f.community_id, src_ip: f.src_ip, src_port: f.src_port,
      dest_ip: f.dest_ip, dest_port: f.dest_port, proto: f.proto, vlan: f.vlan, in_iface: f.in_iface, app_proto: 'dns',
      action: 'allowed', gid: 1, signature_id: 2013504, rev: 6, signature: 'ET POLICY "quoted" \\ test', category: 'Potential Corporate Privacy Violation',
      severity: 2, payload: 'AAEC',
    };
    s.insertAlerts([a, { ...a, timestamp_us: a.timestamp_us + 1, payload: undefined }]);
    await s.flush();
    const rows = await q<Record<string, unknown>>(s,
      `SELECT toUnixTimestamp64Micro(timestamp) AS ts, toString(flow_id) AS fid, signature, payload, toString(alert_id) AS alert_id, f.community_id AS fcid
       FROM fennec_t.alerts AS a INNER JOIN (SELECT flow_id, community_id FROM fennec_t.flows FINAL) AS f ON a.flow_id = f.flow_id
       ORDER BY ts`);
    assert.equal(rows.length, 2);
    assert.equal(Number(rows[0]!.ts), a.timestamp_us);
    assert.equal(rows[0]!.fid, f.flow_id);
    assert.equal(rows[0]!.signature, a.signature);
    assert.equal(rows[0]!.payload, 'AAEC');
    assert.equal(rows[1]!.payload, '');
    assert.equal(rows[0]!.fcid, f.community_id, 'alert joins its flow by flow_id');
    assert.notEqual(rows[0]!.alert_id, rows[1]!.alert_id);
    await s.close();
  });

  it('close() flushes rows that neither the row nor the time trigger has sent', async () => {
    const s = await openStore({ ...base, database: 'fennec_close', batchRows: 1_000_000, flushIntervalMs: 3_600_000 });
    s.insertFlows(flows);
    assert.equal(s.stats().rows_queued, flows.length);
    assert.equal(s.stats().inserts, 0);
    const st = await s.close();
    assert.equal(st.rows_inserted.flows, flows.length);
    const s2 = await openStore({ ...base, database: 'fennec_close' });
    const [c] = await q<{ c: string }>(s2, 'SELECT count() AS c FROM fennec_close.flows');
    assert.equal(Number(c!.c), flows.length);
    await s2.close();
  });

  it('flushes partial batches on the time trigger', async () => {
    const s = await openStore({ ...base, database: 'fennec_timer', batchRows: 1_000_000, flushIntervalMs: 200 });
    s.insertFlows(flows.slice(0, 5));
    const t0 = Date.now();
    while (s.stats().rows_inserted.flows < 5 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.stats().rows_inserted.flows, 5);
    await s.close();
  });
});

/**
 * Insert-format benchmark for the store, through chdb (embedded ClickHouse) with the same
 * @clickhouse/client calls the remote path uses. Prints rows/s and ns/row per format:
 *   A. JSONCompactEachRow, lines pre-encoded by sensor/output/rows.ts (the store's path), client.exec
 *   B. JSONEachRow, objects serialized by client.insert (JSON.stringify per row)
 *   C. TabSeparated, pre-encoded, raw body via client.insert
 *   D. JSONCompactEachRow, arrays encoded with JSON.stringify, raw body via client.exec
 * RowBinary is not in the list: chdb/connection materializes the INSERT body as a UTF-8
 * string, which corrupts binary formats (read node_modules/chdb/dist/connection/chdb-connection.js).
 *
 *   node dist/bench/store-insert.js [rows=200000] [batch=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FlowRecord } from '../sensor/flow/record.js';
import { createStoreClient } from '../sensor/output/clickhouse.js';
import { migrate } from '../sensor/output/migrate.js';
import { FLOW_COLUMNS, flowToRowLine, microsToText } from '../sensor/output/rows.js';

// Recent timestamps: rows older than the TTL (30 days) are dropped at insert time.
const T0 = (Date.now() - 3_600_000) * 1000;
const N = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 20_000);

function synth(i: number): FlowRecord {
  const t = T0 + i * 997;
  return {
    flow_id: String(1_000_000_000_000 + i), community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
    src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, src_port: 1024 + (i % 60000),
    dest_ip: i % 5 === 0 ? '2001:db8::1' : '192.168.1.1', dest_port: [53, 80, 443, 22][i % 4]!, proto: i % 3 === 0 ? 17 : 6,
    app_proto: '', vlan: i % 7 === 0 ? [100] : [], in_iface: 'eth0', tunnel_depth: 0,
    pkts_toserver: 10 + (i % 100), pkts_toclient: 8, bytes_toserver: 1500 + i, bytes_toclient: 40000,
    payload_bytes_toserver: 1000, payload_bytes_toclient: 38000, start_us: t, end_us: t + 1_500_000,
    state: 'closed', reason: 'fin', tcp_flags: 0x1b, tcp_flags_ts: 0x1b, tcp_flags_tc: 0x1b, tcp_state: 'closed',
    conn_state: 'SF', history: 'ShADadFf', icmp_type: -1, icmp_code: -1, response_icmp_type: -1, response_icmp_code: -1, alerted: 0,
    reassembled_bytes_toserver: 0, reassembled_bytes_toclient: 0, gaps_toserver: 0, gaps_toclient: 0, stream_events: [],
  };
}

function toObject(r: FlowRecord): Record<string, unknown> {
  const { start_us, end_us, ...rest } = r;
  return { ...rest, start: microsToText(start_us), end: microsToText(end_us) };
}

function toTsv(r: FlowRecord): string {
  return [r.flow_id, r.community_id, r.src_ip, r.src_port, r.dest_ip, r.dest_port, r.proto, r.app_proto, `[${r.vlan.join(',')}]`,
    r.in_iface, r.tunnel_depth, r.pkts_toserver, r.pkts_toclient, r.bytes_toserver, r.bytes_toclient, r.payload_bytes_toserver,
    r.payload_bytes_toclient, microsToText(r.start_us), microsToText(r.end_us), r.state, r.reason, r.tcp_flags, r.tcp_flags_ts,
    r.tcp_flags_tc, r.tcp_state, r.conn_state, r.history, r.icmp_type, r.icmp_code, r.response_icmp_type, r.response_icmp_code,
    r.alerted, r.reassembled_bytes_toserver, r.reassembled_bytes_toclient, r.gaps_toserver, r.gaps_toclient,
    `[${r.stream_events.map((e) => `'${e}'`).join(',')}]`].join('\t');
}

function toCompact(r: FlowRecord): string {
  return JSON.stringify([r.flow_id, r.community_id, r.src_ip, r.src_port, r.dest_ip, r.dest_port, r.proto, r.app_proto, r.vlan,
    r.in_iface, r.tunnel_depth, r.pkts_toserver, r.pkts_toclient, r.bytes_toserver, r.bytes_toclient, r.payload_bytes_toserver,
    r.payload_bytes_toclient, microsToText(r.start_us), microsToText(r.end_us), r.state, r.reason, r.tcp_flags, r.tcp_flags_ts,
    r.tcp_flags_tc, r.tcp_state, r.conn_state, r.history, r.icmp_type, r.icmp_code, r.response_icmp_type, r.response_icmp_code,
    r.alerted, r.reassembled_bytes_toserver, r.reassembled_bytes_toclient, r.gaps_toserver, r.gaps_toclient, r.stream_events]);
}

const dir = mkdtempSync(join(tmpdir(), 'fennec-bench-store-'));
const client = await createStoreClient({ kind: 'embedded', dataDir: join(dir, 'db') });
await migrate(client, 'bench', 30);
const records = Array.from({ length: N }, (_, i) => synth(i));
const cols = FLOW_COLUMNS.map((c) => `\`${c}\``).join(', ');

async function run(name: string, fn: (batch: FlowRecord[]) => Promise<void>): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE bench.flows' });
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) await fn(records.slice(i, i + BATCH));
  const ms = performance.now() - t0;
  const rs = await client.query({ query: 'SELECT count() AS c FROM bench.flows', format: 'JSONEachRow' });
  const c = Number((await rs.json<{ c: string }>())[0]!.c);
  console.log(`${name.padEnd(44)} ${(N / (ms / 1000)).toFixed(0).padStart(9)} rows/s ${((ms * 1e6) / N).toFixed(0).padStart(7)} ns/row  (rows stored ${c})`);
}

async function execRaw(format: string, body: string): Promise<void> {
  const res = await client.exec({ query: `INSERT INTO bench.flows (${cols}) FORMAT ${format}`, values: Readable.from([body], { objectMode: false }) });
  for await (const _ of res.stream) { /* drain */ }
}

console.log(`store insert formats via chdb: ${N} flow rows, batches of ${BATCH}`);
let t0 = performance.now();
for (const r of records) flowToRowLine(r);
console.log(`encode only: rows.ts flowToRowLine (compact) ${(((performance.now() - t0) * 1e6) / N).toFixed(0)} ns/row`);
t0 = performance.now();
for (const r of records) JSON.stringify(toObject(r));
console.log(`encode only: object + JSON.stringify ${(((performance.now() - t0) * 1e6) / N).toFixed(0)} ns/row`);
for (let round = 0; round < 2; round++) {
  await run('A JSONCompactEachRow rows.ts (exec, raw)', (b) => execRaw('JSONCompactEachRow', b.map(flowToRowLine).join('\n') + '\n'));
  await run('B JSONEachRow objects (client.insert)', async (b) => {
    await client.insert({ table: 'bench.flows', values: b.map(toObject), format: 'JSONEachRow', columns: [...FLOW_COLUMNS] });
  });
  await run('C TabSeparated pre-encoded (client.insert)', async (b) => {
    await client.insert({ table: 'bench.flows', values: Readable.from([b.map(toTsv).join('\n') + '\n'], { objectMode: false }), format: 'TabSeparated', columns: [...FLOW_COLUMNS] });
  });
  await run('D JSONCompactEachRow stringify (exec)', (b) => execRaw('JSONCompactEachRow', b.map(toCompact).join('\n') + '\n'));
}
await client.close();
rmSync(dir, { recursive: true, force: true });

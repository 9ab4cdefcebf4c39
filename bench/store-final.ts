/**
 * FINAL vs argMax vs LIMIT 1 BY for "latest record per flow_id", through chdb.
 * 2M rows: 1.8M flows, 10% of them also have a periodic record (inserted in a separate part).
 *   node dist/bench/store-final.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreClient } from '../sensor/output/clickhouse.js';
import { migrate } from '../sensor/output/migrate.js';

const dir = mkdtempSync(join(tmpdir(), 'fennec-bench-final-'));
const c = await createStoreClient({ kind: 'embedded', dataDir: join(dir, 'db') });
await migrate(c, 'b', 30);
const gen = (n: number, where: string, reason: string, bytes: string): string => `INSERT INTO b.flows (flow_id, src_ip, dest_ip, src_port, dest_port, proto, start, \`end\`, reason, bytes_toserver, in_iface)
  SELECT number, toIPv6(IPv4NumToString(toUInt32(167772160 + number % 65536))), toIPv6('192.168.1.1'), 1024 + number % 60000, 443, 6,
    now64(6) - toIntervalSecond(number % 3600), now64(6) - toIntervalSecond(number % 3600) + toIntervalSecond(${reason === 'periodic' ? 1 : 30}), '${reason}', ${bytes}, 'eth0'
  FROM numbers(${n}) ${where}`;
await c.command({ query: 'SYSTEM STOP MERGES b.flows' });
await c.command({ query: gen(1_800_000, 'WHERE number % 10 = 0', 'periodic', 'number % 1000') });
await c.command({ query: gen(1_800_000, '', 'fin', '1000 + number % 1000') });
const queries: Record<string, string> = {
  'FINAL (top 10 by bytes)': 'SELECT src_ip, sum(bytes_toserver) b FROM b.flows FINAL GROUP BY src_ip ORDER BY b DESC LIMIT 10',
  'argMax per flow_id (top 10 by bytes)': 'SELECT src_ip, sum(b) b FROM (SELECT flow_id, argMax(src_ip, record_version) src_ip, argMax(bytes_toserver, record_version) b FROM b.flows GROUP BY flow_id) GROUP BY src_ip ORDER BY b DESC LIMIT 10',
  'LIMIT 1 BY flow_id (top 10 by bytes)': 'SELECT src_ip, sum(bytes_toserver) b FROM (SELECT src_ip, bytes_toserver FROM b.flows ORDER BY flow_id, record_version DESC LIMIT 1 BY flow_id) GROUP BY src_ip ORDER BY b DESC LIMIT 10',
  'FINAL page (100 newest, src_ip filter)': "SELECT * FROM b.flows FINAL WHERE src_ip = toIPv6('10.0.1.1') ORDER BY start DESC LIMIT 100",
  'argMax page (100 newest, src_ip filter)': "SELECT flow_id, argMax(start, record_version) s FROM b.flows WHERE src_ip = toIPv6('10.0.1.1') GROUP BY flow_id ORDER BY s DESC LIMIT 100",
  'no dedup (wrong answer, reference)': 'SELECT src_ip, sum(bytes_toserver) b FROM b.flows GROUP BY src_ip ORDER BY b DESC LIMIT 10',
};
for (const [name, q] of Object.entries(queries)) {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await (await c.query({ query: q, format: 'JSONEachRow', clickhouse_settings: { do_not_merge_across_partitions_select_final: 1 } })).json();
    best = Math.min(best, performance.now() - t0);
  }
  console.log(`${name.padEnd(42)} ${best.toFixed(0).padStart(6)} ms (best of 3, 1.98M rows)`);
}
await c.close();
rmSync(dir, { recursive: true, force: true });

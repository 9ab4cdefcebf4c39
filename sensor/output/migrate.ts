/**
 * Applies sensor/output/schema.ts MIGRATIONS in order, once each, recording them in
 * `<db>.schema_migrations`, then brings every table's TTL in line with the configured
 * retention (ALTER … MODIFY TTL only when it differs, so re-opening is a no-op).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS, TTL_TABLES, scaledTtl, ttlStatement } from './schema.js';

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was already current). */
  applied: number[];
  /** Tables whose TTL was changed by this call. */
  ttlChanged: string[];
}

async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

export async function migrate(client: ClickHouseClient, db: string, ttlDays: number): Promise<MigrationResult> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = MergeTree ORDER BY version`,
  });
  const done = new Set(
    (await rows<{ version: number }>(client, `SELECT version FROM ${db}.schema_migrations`)).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    for (const sql of m.statements(db, ttlDays)) await client.command({ query: sql });
    await client.command({
      query: `INSERT INTO ${db}.schema_migrations (version, name) VALUES ({v:UInt32}, {n:String})`,
      query_params: { v: m.version, n: m.name },
    });
    applied.push(m.version);
  }
  const ttlChanged: string[] = [];
  const engines = await rows<{ name: string; engine_full: string }>(
    client,
    `SELECT name, engine_full FROM system.tables WHERE database = {db:String}`,
    { db },
  );
  for (const t of TTL_TABLES) {
    const e = engines.find((x) => x.name === t.table);
    if (e === undefined) continue;
    if (e.engine_full.includes(`toIntervalDay(${scaledTtl(ttlDays, t.mul)})`)) continue;
    await client.command({ query: ttlStatement(db, t, ttlDays) });
    ttlChanged.push(t.table);
  }
  return { applied, ttlChanged };
}

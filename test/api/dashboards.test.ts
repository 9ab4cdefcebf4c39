/**
 * Every panel of the shipped Grafana dashboard runs against a real store (embedded ClickHouse)
 * filled by the pipeline from a real capture with detection on: the SQL parses, the columns
 * exist, and the panels that must show data return rows. Grafana's ClickHouse macros are
 * expanded as the plugin does ($__timeFilter(c) → c between the range bounds,
 * $__timeInterval(c) → the column rounded to the interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../capture/oracle.js';
import { openStore } from '../../sensor/output/clickhouse.js';
import { runOffline } from '../../sensor/run.js';
import { defaultConfig } from '../../sensor/config.js';

const expand = (sql: string) => sql
  .replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN toDateTime64('1990-01-01 00:00:00', 6, 'UTC') AND toDateTime64('2100-01-01 00:00:00', 6, 'UTC')")
  .replace(/\$__timeInterval\(([^)]+)\)/g, 'toStartOfInterval($1, INTERVAL 60 second)');

test('every Grafana panel query runs on a real store and the flow/alert panels return rows', async () => {
  const dash = JSON.parse(readFileSync(path.join(ROOT, 'dashboards/grafana/fennec-overview.json'), 'utf8'));
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-dash-'));
  const store = await openStore({ kind: 'embedded', dataDir: path.join(dir, 'db'), spoolDir: path.join(dir, 'spool') });
  try {
    const c = defaultConfig();
    await runOffline({
      paths: [path.join(ROOT, 'test/fixtures/demo/demo.pcap')], workers: 1,
      config: {
        flow: c.flow, defrag: c.defrag,
        detect: {
          paths: [path.join(ROOT, 'test/fixtures/demo/demo.rules')], addressGroups: c.detect.addressGroups, portGroups: c.detect.portGroups,
          classificationFile: null, packetAlertMax: 15, cacheDir: null,
        },
      },
      sink: { flows: (r) => { store.insertFlows(r); }, alerts: (a) => { store.insertAlerts(a); } },
    });
    await store.flush();
    assert.ok(dash.panels.length >= 8);
    for (const p of dash.panels) {
      for (const t of p.targets) {
        const rs = await store.client.query({ query: expand(t.rawSql), format: 'JSONEachRow' });
        const rows = await rs.json<Record<string, unknown>>();
        assert.ok(rows.length > 0, `panel "${p.title}" returned no rows`);
      }
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * HTTP API against a real chdb store (one temp dir for this file; chdb binds one per process),
 * loaded with flows built from real pcaps by tshark (test/store/fixture.ts). Every answer is
 * checked against the same filter computed directly over the fixture records in JS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server.js';
import type { FlowRecord } from '../../sensor/flow/record.js';
import type { AlertRecord } from '../../sensor/output/alert-record.js';
import { openStore, type Store } from '../../sensor/output/clickhouse.js';
import { fixtureFlows } from '../store/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'fennec-api-'));
let store: Store;
let app: FastifyInstance;
let flows: FlowRecord[];
const PERIODIC_ID = '4242424242424242';
let alerts: AlertRecord[];

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

const bytes = (f: FlowRecord): number => f.bytes_toserver + f.bytes_toclient;
const ids = (fs: { flow_id: string }[]): string[] => fs.map((f) => f.flow_id).sort();

/** All pages of /api/v1/flows for a query; asserts no flow appears twice. */
async function walk(query: string, limit: number): Promise<any[]> {
  const out: any[] = [];
  let next: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await get(`/api/v1/flows?${query}&limit=${limit}${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.flows.length <= limit);
    out.push(...r.body.flows);
    next = r.body.next;
    if (next === null) break;
  }
  assert.equal(new Set(out.map((f) => f.flow_id)).size, out.length, 'no duplicates across pages');
  return out;
}

before(async () => {
  flows = fixtureFlows();
  store = await openStore({ kind: 'embedded', dataDir: join(dir, 'db'), database: 'fennec_api', ttlDays: 15000, spoolDir: join(dir, 'spool') });
  // A long flow written twice: a periodic record, then the final one with larger counters.
  const base = flows.find((f) => f.proto === 6 && f.pkts_toclient > 2)!;
  const final: FlowRecord = { ...base, flow_id: PERIODIC_ID, bytes_toserver: base.bytes_toserver + 5000 };
  const periodic: FlowRecord = { ...final, reason: 'periodic', state: 'established', bytes_toserver: 100, end_us: base.start_us + 10 };
  store.insertFlows([periodic]);
  await store.flush();
  store.insertFlows([...flows, final]);
  await store.flush();
  flows.push(final);
  alerts = flows.slice(0, 30).map((f, i) => ({
    timestamp_us: f.start_us + i, flow_id: f.flow_id, community_id: f.community_id, src_ip: f.src_ip, src_port: f.src_port,
    dest_ip: f.dest_ip, dest_port: f.dest_port, proto: f.proto, vlan: f.vlan, in_iface: f.in_iface, app_proto: '',
    action: 'allowed', gid: 1, signature_id: 2000000 + (i % 3), rev: 1, signature: `test sig ${i % 3}`, category: 'Misc activity',
    severity: 1 + (i % 3),
  }));
  store.insertAlerts(alerts);
  await store.flush();
  app = await buildServer({ store, statsProvider: () => ({ packets: 123 }), logger: false });
});

after(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/flows', () => {
  it('returns every flow once, EVE-shaped, periodic+final collapsed to the final record', async () => {
    const all = await walk('sort=start&order=asc', 1000);
    assert.equal(all.length, flows.length);
    assert.deepEqual(ids(all), ids(flows));
    const p = all.find((f) => f.flow_id === PERIODIC_ID);
    const final = flows.find((f) => f.flow_id === PERIODIC_ID)!;
    assert.equal(p.bytes_toserver, final.bytes_toserver);
    assert.equal(p.reason, final.reason);
    const tcp = all.find((f) => f.proto === 'TCP' && f.tcp.syn);
    const rec = flows.find((f) => f.flow_id === tcp.flow_id)!;
    assert.equal(tcp.tcp.tcp_flags, rec.tcp_flags.toString(16).padStart(2, '0'));
    assert.match(tcp.start, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$/);
    assert.equal(tcp.start.slice(0, 19), new Date(Math.floor(rec.start_us / 1000)).toISOString().slice(0, 19));
    assert.equal(Number(tcp.start.slice(20, 26)), rec.start_us % 1e6);
    assert.equal(tcp.age, Math.floor(rec.end_us / 1e6) - Math.floor(rec.start_us / 1e6));
    const v4 = all.find((f) => f.src_ip === '5.6.7.8');
    assert.ok(v4, 'IPv4 addresses come back as dotted quads');
    assert.deepEqual(v4.vlan, [6]);
    assert.ok(all.some((f) => f.proto === 'IPv6-ICMP' && typeof f.icmp_type === 'number'));
  });

  const filters: [string, (f: FlowRecord) => boolean][] = [
    ['ip=5.6.7.8', (f) => f.src_ip === '5.6.7.8' || f.dest_ip === '5.6.7.8'],
    ['src_ip=5.6.7.8', (f) => f.src_ip === '5.6.7.8'],
    ['dest_ip=1.2.3.4', (f) => f.dest_ip === '1.2.3.4'],
    ['cidr=192.168.0.0/16', (f) => f.src_ip.startsWith('192.168.') || f.dest_ip.startsWith('192.168.')],
    ['cidr=fe80::/10', (f) => /^fe[89ab]/i.test(f.src_ip) || /^fe[89ab]/i.test(f.dest_ip)],
    ['cidr=2001::/16', (f) => /^2001:/i.test(f.src_ip) || /^2001:/i.test(f.dest_ip)],
    ['port=22', (f) => f.src_port === 22 || f.dest_port === 22],
    ['src_port=53', (f) => f.src_port === 53],
    ['dest_port=80', (f) => f.dest_port === 80],
    ['proto=udp', (f) => f.proto === 17],
    ['proto=6', (f) => f.proto === 6],
    ['proto=ipv6-icmp', (f) => f.proto === 58],
    ['vlan=6', (f) => f.vlan.includes(6)],
    ['min_bytes=10000', (f) => bytes(f) >= 10000],
    ['in_iface=ssh-bruteforce.pcap', (f) => f.in_iface === 'ssh-bruteforce.pcap'],
  ];
  for (const [qs, pred] of filters) {
    it(`filter ${qs} matches a direct filter over the records`, async () => {
      const want = flows.filter(pred);
      assert.ok(want.length > 0, `fixture has flows for ${qs}`);
      const got = await walk(qs, 1000);
      assert.deepEqual(ids(got), ids(want));
    });
  }

  it('filters by community_id and flow_id', async () => {
    const f = flows[10]!;
    assert.deepEqual(ids((await get(`/api/v1/flows?community_id=${encodeURIComponent(f.community_id)}`)).body.flows),
      ids(flows.filter((x) => x.community_id === f.community_id)));
    assert.deepEqual(ids((await get(`/api/v1/flows?flow_id=${f.flow_id}`)).body.flows), [f.flow_id]);
  });

  it('from/to select flows overlapping the range (ISO and epoch seconds)', async () => {
    const f = flows.find((x) => x.end_us - x.start_us > 2_000_000)!;
    const mid = Math.floor((f.start_us + f.end_us) / 2);
    const from = mid - 500_000, to = mid + 500_000;
    const want = flows.filter((x) => x.end_us >= from && x.start_us <= to);
    assert.ok(want.some((x) => x.flow_id === f.flow_id));
    const iso = (us: number): string => new Date(us / 1000).toISOString();
    const epoch = (us: number): string => (us / 1e6).toFixed(6);
    assert.deepEqual(ids(await walk(`from=${epoch(from)}&to=${epoch(to)}`, 1000)), ids(want));
    const fromMs = Math.ceil(from / 1000) * 1000, toMs = Math.floor(to / 1000) * 1000;
    assert.deepEqual(ids(await walk(`from=${iso(fromMs)}&to=${iso(toMs)}`, 1000)),
      ids(flows.filter((x) => x.end_us >= fromMs && x.start_us <= toMs)));
  });

  for (const [sort, key] of [['start', (f: FlowRecord) => f.start_us], ['end', (f: FlowRecord) => f.end_us],
    ['bytes', bytes], ['pkts', (f: FlowRecord) => f.pkts_toserver + f.pkts_toclient]] as const) {
    for (const order of ['asc', 'desc'] as const) {
      it(`sort=${sort}&order=${order}: pages of 7 walk every flow once, in order`, async () => {
        const got = await walk(`sort=${sort}&order=${order}`, 7);
        assert.equal(got.length, flows.length);
        const byId = new Map(flows.map((f) => [f.flow_id, f]));
        const sign = order === 'asc' ? 1 : -1;
        for (let i = 1; i < got.length; i++) {
          const a = byId.get(got[i - 1].flow_id)!, b = byId.get(got[i].flow_id)!;
          const d = (key(b) - key(a)) * sign;
          assert.ok(d > 0 || (d === 0 && sign * (BigInt(b.flow_id) > BigInt(a.flow_id) ? 1 : -1) > 0), `order at ${i}`);
        }
      });
    }
  }

  it('default sort is start desc, default limit 100', async () => {
    const r = await get('/api/v1/flows');
    assert.equal(r.body.flows.length, 100);
    assert.notEqual(r.body.next, null);
    const starts = r.body.flows.map((f: any) => f.start);
    assert.deepEqual(starts, [...starts].sort().reverse());
  });

  for (const [qs, param] of [
    ['limit=1001', 'limit'], ['limit=0', 'limit'], ['limit=abc', 'limit'], ['ip=1.2.3', 'ip'], ['src_ip=zzz', 'src_ip'],
    ['cidr=10.0.0.0/33', 'cidr'], ['cidr=2001:db8::/129', 'cidr'], ['cidr=10.0.0.0', 'cidr'], ['port=70000', 'port'],
    ['proto=bogus', 'proto'], ['proto=300', 'proto'], ['sort=src_ip', 'sort'], ['order=up', 'order'], ['from=yesterday', 'from'],
    ['flow_id=12ab', 'flow_id'], ['min_bytes=-1', 'min_bytes'], ['vlan=5000', 'vlan'], ['cursor=%21%21', 'cursor'],
    ['bogus=1', 'bogus'],
  ] as const) {
    it(`400 naming the parameter for ${qs}`, async () => {
      const r = await get(`/api/v1/flows?${qs}`);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.message, new RegExp(param === 'bogus' ? 'additional properties' : `querystring/${param}`));
    });
  }

  it('a cursor from another sort order is refused', async () => {
    const r = await get('/api/v1/flows?sort=bytes&limit=2');
    const bad = await get(`/api/v1/flows?sort=start&limit=2&cursor=${r.body.next}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /querystring\/cursor was issued for sort=bytes:desc/);
  });
});

describe('GET /api/v1/flows/top', () => {
  const cases: [string, string, (f: FlowRecord) => (string | number)[]][] = [
    ['ip', 'bytes', (f) => [...new Set([f.src_ip, f.dest_ip])]],
    ['src_ip', 'pkts', (f) => [f.src_ip]],
    ['port', 'flows', (f) => [...new Set([f.src_port, f.dest_port])]],
    ['dest_port', 'bytes', (f) => [f.dest_port]],
    ['proto', 'flows', (f) => [f.proto]],
  ];
  for (const [by, metric, keys] of cases) {
    it(`by=${by}&metric=${metric} equals a direct count`, async () => {
      const acc = new Map<string | number, { bytes: number; pkts: number; flows: number }>();
      for (const f of flows) {
        for (const k of keys(f)) {
          const a = acc.get(k) ?? { bytes: 0, pkts: 0, flows: 0 };
          a.bytes += bytes(f); a.pkts += f.pkts_toserver + f.pkts_toclient; a.flows++;
          acc.set(k, a);
        }
      }
      const r = await get(`/api/v1/flows/top?by=${by}&metric=${metric}&limit=1000`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.top.length, acc.size);
      const m = metric as 'bytes' | 'pkts' | 'flows';
      for (let i = 1; i < r.body.top.length; i++) assert.ok(r.body.top[i - 1][m] >= r.body.top[i][m]);
      const protoNum: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, 'IPv6-ICMP': 58, GRE: 47 };
      for (const t of r.body.top) {
        const k = by === 'proto' ? (protoNum[t.key] ?? t.key) : t.key;
        assert.deepEqual({ bytes: t.bytes, pkts: t.pkts, flows: t.flows }, acc.get(k), `key ${t.key}`);
      }
    });
  }

  it('limit and time range apply', async () => {
    const r = await get('/api/v1/flows/top?by=ip&limit=3');
    assert.equal(r.body.top.length, 3);
    const f = flows[0]!;
    const r2 = await get(`/api/v1/flows/top?by=proto&metric=flows&from=${(f.start_us / 1e6).toFixed(6)}&to=${(f.start_us / 1e6).toFixed(6)}`);
    const want = flows.filter((x) => x.end_us >= f.start_us && x.start_us <= f.start_us).length;
    assert.equal(r2.body.top.reduce((s: number, t: any) => s + t.flows, 0), want);
    assert.equal((await get('/api/v1/flows/top?by=src_ip&metric=volume')).status, 400);
  });
});

describe('GET /api/v1/alerts, /api/v1/stats, /healthz, OpenAPI', () => {
  it('pages through alerts in EVE shape with filters', async () => {
    const seen: any[] = [];
    let next: string | null = null;
    do {
      const r = await get(`/api/v1/alerts?limit=4&order=asc${next ? `&cursor=${next}` : ''}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      seen.push(...r.body.alerts);
      next = r.body.next;
    } while (next !== null);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen.map((a) => a.alert_id)).size, 30);
    assert.deepEqual(seen.map((a) => a.timestamp), [...seen.map((a) => a.timestamp)].sort());
    const first = [...alerts].sort((a, b) => a.timestamp_us - b.timestamp_us)[0]!;
    assert.equal(seen[0].alert.signature_id, first.signature_id);
    assert.equal(seen[0].flow_id, first.flow_id);
    assert.equal(seen[0].src_ip, first.src_ip);
    const sid = await get('/api/v1/alerts?signature_id=2000001&limit=1000');
    assert.equal(sid.body.alerts.length, 10);
    const sev = await get('/api/v1/alerts?max_severity=1&limit=1000');
    assert.equal(sev.body.alerts.length, 10);
  });

  it('stats include writer counters, table sizes and the sensor provider', async () => {
    const r = await get('/api/v1/stats');
    assert.equal(r.status, 200);
    assert.equal(r.body.store.rows_inserted.flows, flows.length + 1);
    assert.equal(r.body.store.rows_inserted.alerts, 30);
    assert.deepEqual(r.body.sensor, { packets: 123 });
    assert.ok(r.body.tables.flows.rows >= flows.length);
  });

  it('healthz answers ok from the store', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, body: { status: 'ok' } });
  });

  it('serves an OpenAPI 3 document listing every route and parameter', async () => {
    const r = await get('/api/v1/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.0.3');
    for (const p of ['/api/v1/flows', '/api/v1/flows/top', '/api/v1/alerts', '/api/v1/stats', '/healthz']) assert.ok(r.body.paths[p], p);
    const names = r.body.paths['/api/v1/flows'].get.parameters.map((p: any) => p.name);
    for (const n of ['from', 'to', 'ip', 'cidr', 'port', 'proto', 'vlan', 'community_id', 'flow_id', 'min_bytes', 'sort', 'limit', 'cursor']) {
      assert.ok(names.includes(n), n);
    }
  });
});

/**
 * Flow table behaviour on hand-built packets, one scenario per row (like gopacket's tables
 * of {in, want}): timeouts per state, TCP close/reset/reuse, Zeek conn_state and history,
 * the SYN-ACK-first flip, ICMP request/response pairing, periodic records, eviction under
 * the memory cap. Frames are real Ethernet/IPv4/TCP|UDP|ICMP bytes built here and decoded by
 * the real decoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipeline } from '../../sensor/pipeline.js';
import { defaultConfig } from '../../sensor/config.js';
import type { FlowRecord } from '../../sensor/flow/record.js';

type Cfg = ReturnType<typeof defaultConfig>;
const A = '10.0.0.1', B = '192.0.2.7';
const ip4 = (s: string) => s.split('.').map(Number);

/** Ethernet + IPv4 + transport. flags: TCP flag letters (S A F R P). */
function frame(src: string, dst: string, proto: 'tcp' | 'udp' | 'icmp', sp: number, dp: number, opts: { flags?: string; payload?: number; icmp?: [number, number]; id?: number } = {}): Uint8Array {
  const pay = opts.payload ?? 0;
  const l4 = proto === 'tcp' ? 20 : 8;
  const total = 20 + l4 + pay;
  const f = new Uint8Array(14 + total);
  f.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00], 0);
  const o = 14;
  f[o] = 0x45; f[o + 2] = total >> 8; f[o + 3] = total & 255; f[o + 8] = 64;
  f[o + 9] = proto === 'tcp' ? 6 : proto === 'udp' ? 17 : 1;
  f.set(ip4(src), o + 12); f.set(ip4(dst), o + 16);
  const t = o + 20;
  if (proto === 'icmp') {
    const [type, code] = opts.icmp ?? [8, 0];
    f[t] = type; f[t + 1] = code; f[t + 4] = (opts.id ?? 7) >> 8; f[t + 5] = (opts.id ?? 7) & 255;
  } else {
    f[t] = sp >> 8; f[t + 1] = sp & 255; f[t + 2] = dp >> 8; f[t + 3] = dp & 255;
    if (proto === 'udp') { f[t + 4] = (8 + pay) >> 8; f[t + 5] = (8 + pay) & 255; }
    else {
      f[t + 12] = 0x50;
      let fl = 0;
      for (const c of opts.flags ?? '') fl |= { F: 1, S: 2, R: 4, P: 8, A: 16 }[c] ?? 0;
      f[t + 13] = fl;
      f[t + 14] = 0xff; f[t + 15] = 0xff;
    }
  }
  return f;
}

function run(cfgEdit: (c: Cfg) => void, packets: [number, Uint8Array][]): { recs: FlowRecord[]; stats: Record<string, number> } {
  const c = defaultConfig();
  cfgEdit(c);
  const recs: FlowRecord[] = [];
  const pl = new Pipeline({ flow: c.flow, defrag: c.defrag }, (r) => recs.push(r));
  for (const [sec, f] of packets) pl.processFrame(f, 0, f.length, f.length, 1_700_000_000e6 + sec * 1e6, 1, 0, -1);
  pl.finish();
  return { recs, stats: pl.statsSnapshot() };
}

const tcp = (src: string, dst: string, sp: number, dp: number, flags: string, payload = 0) => frame(src, dst, 'tcp', sp, dp, { flags, payload });
const udp = (src: string, dst: string, sp: number, dp: number, payload = 10) => frame(src, dst, 'udp', sp, dp, { payload });

test('UDP: idle past the established timeout ends the flow; the next packet starts a new one', () => {
  const { recs } = run((c) => { c.flow.timeouts.udp.established = 30; }, [
    [0, udp(A, B, 5000, 53)], [1, udp(B, A, 53, 5000)], [100, udp(A, B, 5000, 53)],
  ]);
  assert.equal(recs.length, 2);
  const [first, second] = recs.sort((x, y) => x.start_us - y.start_us);
  assert.deepEqual([first.pkts_toserver, first.pkts_toclient, first.reason, first.state, first.conn_state, first.history], [1, 1, 'timeout', 'established', 'SF', 'Dd']);
  assert.deepEqual([second.pkts_toserver, second.pkts_toclient, second.reason, second.conn_state], [1, 0, 'shutdown', 'S0']);
});

test('TCP: full session ends by FIN (SF, ShADadFf); a new SYN on the closed session is a new flow (port reuse)', () => {
  const s = [
    tcp(A, B, 40000, 80, 'S'), tcp(B, A, 80, 40000, 'SA'), tcp(A, B, 40000, 80, 'A'), tcp(A, B, 40000, 80, 'PA', 100),
    tcp(B, A, 80, 40000, 'A'), tcp(B, A, 80, 40000, 'PA', 500), tcp(A, B, 40000, 80, 'A'),
    tcp(A, B, 40000, 80, 'FA'), tcp(B, A, 80, 40000, 'FA'), tcp(A, B, 40000, 80, 'A'),
  ];
  const { recs, stats } = run(() => {}, [...s.map((f, i) => [i * 0.01, f] as [number, Uint8Array]), [5, tcp(A, B, 40000, 80, 'S')]]);
  assert.equal(recs.length, 2);
  const [one, two] = recs.sort((x, y) => x.start_us - y.start_us);
  assert.equal(one.history, 'ShADadFf');
  assert.equal(one.conn_state, 'SF');
  assert.equal(one.reason, 'fin');
  assert.equal(one.state, 'closed');
  assert.equal(one.tcp_state, 'closed');
  assert.equal(one.pkts_toserver, 6);
  assert.equal(one.pkts_toclient, 4);
  assert.equal(one.payload_bytes_toserver, 100);
  assert.equal(one.payload_bytes_toclient, 500);
  assert.equal(one.tcp_flags_ts, 0x1b);
  assert.equal(two.history, 'S');
  assert.equal(two.conn_state, 'S0');
  assert.equal(stats['flow.tcp_reuse'], 1);
});

test('TCP: conn_state per Zeek for rejected, half-open, reset and midstream sessions', () => {
  const cases: [string, [number, Uint8Array][], Partial<FlowRecord>][] = [
    ['REJ', [[0, tcp(A, B, 1, 81, 'S')], [0.1, tcp(B, A, 81, 1, 'RA')]], { conn_state: 'REJ', reason: 'rst', history: 'Sr' }],
    ['S0', [[0, tcp(A, B, 2, 82, 'S')]], { conn_state: 'S0', state: 'new', reason: 'shutdown' }],
    ['RSTO', [[0, tcp(A, B, 3, 83, 'S')], [0.1, tcp(B, A, 83, 3, 'SA')], [0.2, tcp(A, B, 3, 83, 'A')], [0.3, tcp(A, B, 3, 83, 'R')]],
      { conn_state: 'RSTO', reason: 'rst', history: 'ShAR' }],
    ['SH', [[0, tcp(A, B, 4, 84, 'S')], [0.1, tcp(A, B, 4, 84, 'F')]], { conn_state: 'SH' }],
    ['OTH', [[0, tcp(A, B, 5, 85, 'PA', 10)], [0.1, tcp(B, A, 85, 5, 'A')]], { conn_state: 'OTH', history: 'Da', state: 'established' }],
    ['S1', [[0, tcp(A, B, 6, 86, 'S')], [0.1, tcp(B, A, 86, 6, 'SA')], [0.2, tcp(A, B, 6, 86, 'A')]], { conn_state: 'S1', state: 'established' }],
  ];
  for (const [name, pkts, want] of cases) {
    const { recs } = run(() => {}, pkts);
    assert.equal(recs.length, 1, name);
    for (const [k, v] of Object.entries(want)) assert.equal((recs[0] as unknown as Record<string, unknown>)[k], v, `${name}.${k}`);
  }
});

test('TCP: a SYN-ACK seen first makes its receiver the client (Zeek ^ flip)', () => {
  const { recs } = run(() => {}, [[0, tcp(B, A, 443, 50000, 'SA')], [0.1, tcp(A, B, 50000, 443, 'A')]]);
  assert.equal(recs.length, 1);
  assert.equal(recs[0].src_ip, A);
  assert.equal(recs[0].dest_port, 443);
  assert.equal(recs[0].pkts_toserver, 1);
  assert.equal(recs[0].pkts_toclient, 1);
  assert.ok(recs[0].history.startsWith('^'));
});

test('ICMP: echo request and reply are one flow; different echo ids are different flows', () => {
  const { recs } = run(() => {}, [
    [0, frame(A, B, 'icmp', 0, 0, { icmp: [8, 0], id: 1 })], [0.1, frame(B, A, 'icmp', 0, 0, { icmp: [0, 0], id: 1 })],
    [1, frame(A, B, 'icmp', 0, 0, { icmp: [8, 0], id: 2 })],
  ]);
  assert.equal(recs.length, 2);
  const one = recs.find((r) => r.pkts_toclient === 1)!;
  assert.deepEqual([one.icmp_type, one.icmp_code, one.response_icmp_type, one.response_icmp_code, one.pkts_toserver], [8, 0, 0, 0, 1]);
});

test('periodic records carry cumulative counters; the final record ends the flow', () => {
  const pkts: [number, Uint8Array][] = [];
  for (let i = 0; i < 10; i++) pkts.push([i, udp(A, B, 6000, 514)]);
  const { recs, stats } = run((c) => { c.flow.periodicInterval = 3; }, pkts);
  const periodic = recs.filter((r) => r.reason === 'periodic');
  const final = recs.filter((r) => r.reason !== 'periodic');
  assert.equal(final.length, 1);
  assert.equal(final[0].pkts_toserver, 10);
  assert.ok(periodic.length >= 2, `${periodic.length} periodic records`);
  assert.equal(stats['flow.periodic'], periodic.length);
  for (let i = 1; i < periodic.length; i++) assert.ok(periodic[i].pkts_toserver >= periodic[i - 1].pkts_toserver);
  assert.ok(periodic.every((r) => r.flow_id === final[0].flow_id));
});

test('memory cap: a full table evicts the least recently active flow, counted, nothing lost', () => {
  const pkts: [number, Uint8Array][] = [];
  for (let i = 0; i < 40; i++) pkts.push([i * 0.01, udp(A, B, 10000 + i, 53)]);
  for (let i = 0; i < 40; i++) pkts.push([1 + i * 0.01, udp(B, A, 53, 10000 + i)]);
  const { recs, stats } = run((c) => { c.flow.maxFlows = 16; }, pkts);
  const evicted = recs.filter((r) => r.reason === 'evicted').length;
  assert.equal(stats['flow.evicted'], evicted);
  assert.ok(evicted >= 24);
  assert.equal(recs.reduce((n, r) => n + r.pkts_toserver + r.pkts_toclient, 0), 80, 'every packet is in some record');
  assert.equal(stats['flow.active'], 0);
});

test('flow ids differ for two sessions of one key starting in the same microsecond', () => {
  const { recs } = run(() => {}, [[0, tcp(A, B, 7, 87, 'S')], [0, tcp(B, A, 87, 7, 'RA')], [0, tcp(A, B, 7, 87, 'S')]]);
  assert.equal(recs.length, 2);
  assert.equal(recs[0].start_us, recs[1].start_us);
  assert.notEqual(recs[0].flow_id, recs[1].flow_id);
});

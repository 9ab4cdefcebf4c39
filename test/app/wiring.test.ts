/**
 * App-layer detection end to end through the real CLI (`fennec run --pcap --rules --eve`):
 * app rules alert once per transaction with the transaction's EVE fields, `alert http`
 * header rules only match flows of that protocol, flow events carry app_proto, and
 * flowbits set by an app rule are seen by a packet rule of the same flow. tshark is the
 * oracle for what the captures contain.
 */
import { runEve } from '../rules/eve-run.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tshark } from './streams.js';
import { SHARED } from '../helpers/paths.js';

const SEEDS = SHARED + '/bench/seeds';

interface Ev { event_type: string; app_proto?: string; src_port?: number; dest_port?: number; alert?: { signature_id: number }; [k: string]: unknown }

function run(pcap: string, rules: string): Ev[] {
  return runEve<Ev>(pcap, rules, ['--set', 'checksum-validation=no']);
}

const alerts = (evs: Ev[], sid: number): Ev[] => evs.filter((e) => e.event_type === 'alert' && e.alert!.signature_id === sid);

test('http: one alert per request with http{hostname,url,http_method,status} equal to tshark; flows get app_proto', () => {
  const pcap = join(SEEDS, 'http-bro-org.pcap');
  const evs = run(pcap, [
    'alert http any any -> any any (msg:"host"; flow:to_server; http.host; content:"bro.org"; sid:1;)',
    'alert tls any any -> any any (msg:"tls on http flows"; sid:2;)',
    'alert tcp any any -> any any (msg:"uri"; http.uri; content:"/"; startswith; sid:3;)',
  ].join('\n'));
  const rows = tshark(['-r', pcap, '-Y', 'http.request && http.host contains "bro.org"', '-T', 'fields', '-e', 'http.host', '-e', 'http.request.uri', '-e', 'http.request.method'])
    .split('\n').filter(Boolean).map((l) => l.split('\t'));
  const a1 = alerts(evs, 1);
  assert.equal(a1.length, rows.length, 'one alert per bro.org request');
  const got = a1.map((e) => { const h = e.http as Record<string, unknown>; return [h.hostname, h.url, h.http_method].join(' '); }).sort();
  assert.deepEqual(got, rows.map((r) => r.join(' ')).sort());
  for (const e of a1) assert.equal(e.app_proto, 'http');
  assert.equal(alerts(evs, 2).length, 0, 'tls header rule never matches http flows');
  const reqs = Number(tshark(['-r', pcap, '-Y', 'http.request', '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).length);
  assert.equal(alerts(evs, 3).length, reqs, 'tcp header + http.uri: one alert per request');
  // Flows that carried data are http; handshake-only flows have no app_proto (as in Suricata).
  const flows = evs.filter((e) => e.event_type === 'flow' && e.dest_port === 80);
  const withData = flows.filter((f) => (f.stream as { reassembled_bytes_toserver: number }).reassembled_bytes_toserver > 0);
  assert.ok(withData.length > 0 && withData.every((f) => f.app_proto === 'http'), 'port-80 flows with data are http');
  assert.ok(flows.filter((f) => !withData.includes(f)).every((f) => f.app_proto === undefined));
});

test('tls: sni and ja3 in the alert equal tshark; flowbits from an app rule gate a packet rule', () => {
  const pcap = join(SEEDS, 'tls-chrome34-google.pcap');
  const [sni, ja3] = tshark(['-r', pcap, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.ja3'])
    .split('\n').filter(Boolean)[0].split('\t');
  const evs = run(pcap, [
    `alert tls any any -> any any (msg:"sni"; tls.sni; content:"${sni}"; flowbits:set,saw_sni; sid:10;)`,
    'alert tcp any any -> any any (msg:"after sni"; flow:to_client; flowbits:isset,saw_sni; content:"|16 03|"; sid:11;)',
    'alert tcp any any -> any any (msg:"never set"; flowbits:isset,other; sid:12;)',
  ].join('\n'));
  const a = alerts(evs, 10);
  assert.equal(a.length, 1);
  const tls = a[0].tls as { sni: string; ja3: { hash: string } };
  assert.equal(tls.sni, sni);
  assert.equal(tls.ja3.hash, ja3);
  assert.ok(alerts(evs, 11).length >= 1, 'packet rule sees the flowbit the app rule set');
  assert.equal(alerts(evs, 12).length, 0);
  assert.ok(evs.some((e) => e.event_type === 'flow' && e.app_proto === 'tls'));
});

test('dns over udp: dns.query alert carries dns{queries} equal to tshark', () => {
  const pcap = join(SEEDS, 'vlan-dns.pcap');
  const names = tshark(['-r', pcap, '-Y', 'dns.flags.response == 0', '-T', 'fields', '-e', 'dns.qry.name']).split('\n').filter(Boolean);
  const evs = run(pcap, 'alert dns any any -> any any (msg:"q"; dns.query; content:"."; sid:20;)\n');
  const a = alerts(evs, 20);
  assert.equal(a.length, names.length);
  assert.deepEqual(a.map((e) => ((e.dns as { queries: Array<{ rrname: string }> }).queries[0].rrname)).sort(), [...names].sort());
});

test('flowbits:setx expires after its seconds when a transaction rule sets it, as when a packet rule does', () => {
  // http-bro-org: each connection's requests come in its first second; some connections
  // close (server FIN) about 5 s later, after any 1 s setx has expired.
  const pcap = join(SEEDS, 'http-bro-org.pcap');
  const evs = run(pcap, [
    'alert http any any -> any any (msg:"tx sets"; flow:to_server; http.method; content:"GET"; flowbits:setx,tx_req,1; flowbits:noalert; sid:30;)',
    'alert tcp any 80 -> any any (msg:"after tx setx"; flow:to_client; flowbits:isset,tx_req; sid:31;)',
    'alert tcp any any -> any 80 (msg:"pkt sets"; flow:to_server; content:"GET "; depth:4; flowbits:setx,pkt_req,1; flowbits:noalert; sid:32;)',
    'alert tcp any 80 -> any any (msg:"after pkt setx"; flow:to_client; flowbits:isset,pkt_req; sid:33;)',
  ].join('\n'));
  // tshark: request times per client port, and every server packet's (client port, time).
  const reqs = new Map<number, number[]>();
  for (const l of tshark(['-r', pcap, '-Y', 'http.request.method == "GET"', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'frame.time_epoch']).split('\n').filter(Boolean)) {
    const [port, t] = l.split('\t');
    reqs.set(Number(port), [...(reqs.get(Number(port)) ?? []), Number(t)]);
  }
  const lastReqBefore = (port: number, t: number): number => Math.max(...(reqs.get(port) ?? []).filter((x) => x <= t + 0.002));
  const late = tshark(['-r', pcap, '-Y', 'tcp.srcport == 80', '-T', 'fields', '-e', 'tcp.dstport', '-e', 'frame.time_epoch']).split('\n').filter(Boolean)
    .map((l) => l.split('\t').map(Number)).filter(([port, t]) => reqs.has(port) && t - lastReqBefore(port, t) > 1.5);
  assert.ok(late.length > 0, 'the capture has server packets more than 1.5 s after their connection\'s last request');
  const epoch = (ts: string): number => Date.parse(ts.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) / 1000;
  for (const sid of [31, 33]) {
    const a = alerts(evs, sid);
    assert.ok(a.length > 0, `sid ${sid}: server packets within the second after a request alert`);
    for (const e of a) {
      const t = epoch(e.timestamp as string);
      assert.ok(t - lastReqBefore(e.dest_port!, t) <= 1.002, `sid ${sid}: alert at ${e.timestamp} is more than 1 s after the bit was set`);
    }
  }
});

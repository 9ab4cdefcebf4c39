/**
 * `tag` installed by app-layer (transaction) alerts (sensor/app/stage.ts → DetectStage.tags),
 * through the real CLI; tshark gives the expected frames. vlan-http-wikipedia.pcap, TCP
 * stream 1: frame 12 is the request for main.css (client → 208.80.152.118), frame 13 the
 * server's ACK, 14 the response, 15 the client's ACK. Like Suricata in IDS mode the request
 * is parsed and inspected when the peer acknowledges it, so the alerting packet is frame 13
 * (counted, not tagged) and `tag:...,3,packets` tags frames 14 and 15.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runEve, tsharkFrames } from './eve-run.js';
import { SHARED } from '../helpers/paths.js';

const PCAP = join(SHARED, 'bench/seeds/vlan-http-wikipedia.pcap');
const run = (rule: string): Ev[] => runEve<Ev>(PCAP, rule);


interface Ev { event_type: string; packet?: string; flow_id?: number; alert?: { signature_id: number } }


test('tag:session on an http.uri (transaction) alert: the next packets of that flow, equal to the tshark frames', () => {
  const ev = run('alert http any any -> any any (msg:"css"; flow:to_server; http.uri; content:"main.css"; tag:session,3,packets; sid:1;)');
  const alerts = ev.filter((e) => e.event_type === 'alert');
  assert.equal(alerts.length, 1);
  const pk = ev.filter((e) => e.event_type === 'packet');
  assert.deepEqual(pk.map((e) => e.packet), tsharkFrames(PCAP, [14, 15]));
  for (const p of pk) assert.equal(p.flow_id, alerts[0].flow_id);
});

test('tag:host,dst on a transaction alert: packets to or from the server host', () => {
  const ev = run('alert http any any -> any any (msg:"css"; flow:to_server; http.uri; content:"main.css"; tag:host,3,packets,dst; sid:1;)');
  assert.equal(ev.filter((e) => e.event_type === 'alert').length, 1);
  // 208.80.152.118 appears only in stream 1: frames 14 and 15 follow the alerting frame 13.
  assert.deepEqual(ev.filter((e) => e.event_type === 'packet').map((e) => e.packet), tsharkFrames(PCAP, [14, 15]));
});

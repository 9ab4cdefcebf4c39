/**
 * `tag` (rules/detect/tag.ts) through the real CLI on a real capture: the packets after an
 * alert are written as EVE `packet` events (Suricata's tagged-packets form), and each one is
 * byte-for-byte the frame tshark reads at that position. vlan-http-wikipedia.pcap, TCP
 * stream 1 (141.142.220.118:48649 → 208.80.152.118:80): frame 12 is the request for
 * main.css, frames 13 (ACK, 70 B), 14 (response, 302 B), 15 (ACK, 70 B) follow in that flow;
 * frame 16 is DNS from .118.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runEve, tsharkFrames } from './eve-run.js';
import { SHARED } from '../helpers/paths.js';
import { TagTable } from '../../rules/detect/tag.js';
import { emptyPacketView } from '../../rules/detect/packet-view.js';
import { newRule } from '../../rules/parser.js';

const PCAP = join(SHARED, 'bench/seeds/vlan-http-wikipedia.pcap');
const run = (rule: string): Ev[] => runEve<Ev>(PCAP, rule);


interface Ev { event_type: string; packet?: string; flow_id?: number; src_ip: string; packet_info?: { linktype: number } ; alert?: { signature_id: number } }


test('tag:session,3,packets: the 2 packets after the alert of that flow, as EVE packet events equal to the tshark frames', () => {
  const ev = run('alert tcp any any -> any any (msg:"css"; content:"main.css"; dsize:>0; tag:session,3,packets; sid:1;)');
  const alerts = ev.filter((e) => e.event_type === 'alert');
  const pk = ev.filter((e) => e.event_type === 'packet');
  assert.equal(alerts.length, 1);
  assert.deepEqual(pk.map((e) => e.packet), tsharkFrames(PCAP, [13, 14]));
  const flowId = (alerts[0] as { flow_id: number }).flow_id;
  for (const p of pk) { assert.equal(p.flow_id, flowId); assert.equal(p.packet_info!.linktype, 1); }
});

test('tag:session,700,bytes: frame 12 (595 B) + 13 (70 B) <= 700, frame 14 (302 B) passes the budget', () => {
  const pk = run('alert tcp any any -> any any (msg:"css"; content:"main.css"; dsize:>0; tag:session,700,bytes; sid:1;)').filter((e) => e.event_type === 'packet');
  assert.deepEqual(pk.map((e) => e.packet), tsharkFrames(PCAP, [13]));
});

test('tag:host,4,packets,src tags packets to and from the source host across flows, then expires', () => {
  const pk = run('alert tcp any any -> any any (msg:"css"; content:"main.css"; dsize:>0; tag:host,4,packets,src; sid:1;)').filter((e) => e.event_type === 'packet');
  // .118 is in frames 13, 14, 15 (stream 1) and 16 (DNS): packets 2..4 of the count are tagged.
  assert.deepEqual(pk.map((e) => e.packet), tsharkFrames(PCAP, [13, 14, 15]));
});

test('TagTable: seconds metric, refresh by a second match, pool bound, flow end frees entries', () => {
  const t = new TagTable(4, { entries: 2 });
  const p = emptyPacketView();
  p.ipVersion = 4; p.src[3] = 0x0a000001; p.dst[3] = 0x0a000002;
  const r = newRule('t', 1, '');
  r.sid = 7; r.tag = { scope: 'session', count: 2, metric: 'seconds', direction: '' };
  p.tsUs = 100e6;
  t.add(r, p, 60, 0, false);
  assert.equal(t.onPacket(p, 60, 0), false, 'the alerting packet is not tagged');
  p.tsUs = 101.5e6; assert.equal(t.onPacket(p, 60, 0), true);
  p.tsUs = 102.9e6; assert.equal(t.onPacket(p, 60, 0), true, '102 - 100 = 2 is not > 2');
  p.tsUs = 103e6; assert.equal(t.onPacket(p, 60, 0), false, 'expired');
  assert.equal(t.active, 0);
  // Two entries in the pool: a third tag is dropped, not allocated.
  t.add(r, p, 60, 0, false);
  const r2 = newRule('t', 2, ''); r2.sid = 8; r2.tag = r.tag;
  const r3 = newRule('t', 3, ''); r3.sid = 9; r3.tag = r.tag;
  t.add(r2, p, 60, 1, false);
  t.add(r3, p, 60, 2, false);
  assert.equal(t.active, 2);
  assert.equal(t.dropped, 1);
  // Same rule again on flow 0: refreshed, not a second entry.
  t.add(r, p, 60, 0, false);
  assert.equal(t.active, 2);
  t.onFlowEnd(0); t.onFlowEnd(1);
  assert.equal(t.active, 0);
  assert.equal(t.onPacket(p, 60, 0), false);
});

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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FENNEC } from './sv-case.js';
import { SHARED } from '../helpers/paths.js';

const PCAP = join(SHARED, 'bench/seeds/vlan-http-wikipedia.pcap');

function tsharkFrames(frames: number[]): string[] {
  const out = execFileSync('tshark', ['-r', PCAP, '-Y', frames.map((f) => `frame.number==${f}`).join(' || '), '-T', 'json', '-x'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const docs = JSON.parse(out) as Array<{ _source: { layers: { frame_raw: [string] | string } } }>;
  return docs.map((d) => { const raw = d._source.layers.frame_raw; return Buffer.from(Array.isArray(raw) ? raw[0] : raw, 'hex').toString('base64'); });
}

interface Ev { event_type: string; packet?: string; flow_id?: number; alert?: { signature_id: number } }

function run(rule: string): Ev[] {
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-tagapp-'));
  try {
    writeFileSync(join(tmp, 'r.rules'), rule + '\n');
    execFileSync(process.execPath, [FENNEC, 'run', '--log-level', 'error', '--pcap', PCAP, '--rules', join(tmp, 'r.rules'),
      '--eve', join(tmp, 'eve.json'), '--data-dir', join(tmp, 'data')], { stdio: 'pipe' });
    return readFileSync(join(tmp, 'eve.json'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('tag:session on an http.uri (transaction) alert: the next packets of that flow, equal to the tshark frames', () => {
  const ev = run('alert http any any -> any any (msg:"css"; flow:to_server; http.uri; content:"main.css"; tag:session,3,packets; sid:1;)');
  const alerts = ev.filter((e) => e.event_type === 'alert');
  assert.equal(alerts.length, 1);
  const pk = ev.filter((e) => e.event_type === 'packet');
  assert.deepEqual(pk.map((e) => e.packet), tsharkFrames([14, 15]));
  for (const p of pk) assert.equal(p.flow_id, alerts[0].flow_id);
});

test('tag:host,dst on a transaction alert: packets to or from the server host', () => {
  const ev = run('alert http any any -> any any (msg:"css"; flow:to_server; http.uri; content:"main.css"; tag:host,3,packets,dst; sid:1;)');
  assert.equal(ev.filter((e) => e.event_type === 'alert').length, 1);
  // 208.80.152.118 appears only in stream 1: frames 14 and 15 follow the alerting frame 13.
  assert.deepEqual(ev.filter((e) => e.event_type === 'packet').map((e) => e.packet), tsharkFrames([14, 15]));
});

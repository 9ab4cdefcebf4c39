/**
 * Raw stream inspection (rules/detect/stream-stage.ts) through the real CLI on a real
 * capture: a pattern made of the last bytes of one TCP segment and the first bytes of the
 * next matches once on the stream and never on packets; a pattern inside one segment
 * alerts once (not once per path); only_stream / no_stream / tcp-pkt / tcp-stream select
 * the path. Segment bytes come from tshark (tcp.payload), the oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { alertCounts, runEve } from './eve-run.js';
import { tcpStreams } from '../app/streams.js';
import { SHARED } from '../helpers/paths.js';

const PCAP = SHARED + '/bench/seeds/http-bro-org.pcap';

function counts(rules: string, extra: string[] = []): Map<number, number> {
  return alertCounts(runEve<{ event_type: string; alert?: { signature_id: number } }>(PCAP, rules, ['--set', 'checksum-validation=no', ...extra]));
}

const hex = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** Count of occurrences of `pat` in the concatenated payloads of the capture (any stream). */
function occurrences(all: Buffer[], pat: Buffer): number {
  let n = 0;
  for (const b of all) for (let i = b.indexOf(pat); i >= 0; i = b.indexOf(pat, i + 1)) n++;
  return n;
}

let serverCache: Buffer[] | null = null;
function server0(): Buffer[] {
  serverCache ??= tcpStreams(PCAP).map((st) => Buffer.concat(st.chunks.filter((c) => !c.toServer).map((c) => c.bytes)));
  return serverCache;
}

test('stream: a pattern split across two segments matches once on the stream, never on packets', () => {
  const serverStreams = server0();
  // Server segments of tcp.stream 0, in order (frames 6, 8, 10 ... of the capture).
  const rows = execFileSync('tshark', ['-r', PCAP, '-Y', 'tcp.stream == 0 && tcp.srcport == 80 && tcp.len > 0', '-T', 'fields', '-e', 'tcp.seq', '-e', 'tcp.payload'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).map((l) => l.split('\t'));
  const segs = rows.map(([, p]) => Buffer.from(p, 'hex'));
  const allSegs = execFileSync('tshark', ['-r', PCAP, '-Y', 'tcp.srcport == 80 && tcp.len > 0', '-T', 'fields', '-e', 'tcp.payload'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }).split('\n').filter(Boolean).map((p) => Buffer.from(p, 'hex'));
  // The first boundary between two server segments whose 8+8 bytes occur in no single segment.
  let k = 1;
  const at = (i: number): Buffer => Buffer.concat([segs[i].subarray(segs[i].length - 8), segs[i + 1].subarray(0, 8)]);
  while (k + 1 < segs.length && occurrences(allSegs, at(k)) > 0) k++;
  const split = at(k);
  // 16 bytes inside the next segment that occur once in the whole capture's server streams.
  let o = 100;
  while (o + 16 < segs[k + 1].length && occurrences(server0(), segs[k + 1].subarray(o, o + 16)) !== 1) o += 16;
  const inside = segs[k + 1].subarray(o, o + 16);
  // Every server stream of the capture, reassembled by tshark (oracle for "how often does it
  // occur"), and every server segment.
  const server = serverStreams;
  const nSplit = occurrences(server, split);
  assert.ok(nSplit >= 1, 'the split pattern occurs in the server streams');
  assert.equal(occurrences(allSegs, split), 0, 'and in no single segment');
  const m = counts([
    `alert tcp any 80 -> any any (msg:"split"; content:"|${hex(split)}|"; sid:1;)`,
    `alert tcp any 80 -> any any (msg:"split packet only"; flow:no_stream; content:"|${hex(split)}|"; sid:2;)`,
    `alert tcp any 80 -> any any (msg:"split stream only"; flow:only_stream; content:"|${hex(split)}|"; sid:3;)`,
    `alert tcp any 80 -> any any (msg:"inside"; content:"|${hex(inside)}|"; sid:4;)`,
    `alert tcp-pkt any 80 -> any any (msg:"inside tcp-pkt"; content:"|${hex(inside)}|"; sid:5;)`,
    `alert tcp-stream any 80 -> any any (msg:"inside tcp-stream"; content:"|${hex(inside)}|"; sid:6;)`,
  ].join('\n'));
  assert.equal(occurrences(server, inside), 1);
  assert.equal(m.get(1) ?? 0, nSplit, 'split pattern: one alert per occurrence, from the stream');
  assert.equal(m.get(2) ?? 0, 0, 'no_stream never sees it');
  assert.equal(m.get(3) ?? 0, nSplit);
  assert.equal(m.get(4) ?? 0, 1, 'inside one segment: one alert, not one per path');
  assert.equal(m.get(5) ?? 0, occurrences(allSegs, inside), 'tcp-pkt: every packet carrying it (retransmissions too)');
  assert.equal(m.get(6) ?? 0, 1);
});

test('stream: without reassembly (stream.reassembly.enabled=false) payload rules run on packets only', () => {
  const rows = execFileSync('tshark', ['-r', PCAP, '-Y', 'tcp.stream == 0 && tcp.srcport == 80 && tcp.len > 0', '-T', 'fields', '-e', 'tcp.payload'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
  const segs = rows.map((p) => Buffer.from(p, 'hex'));
  const split = Buffer.concat([segs[2].subarray(segs[2].length - 8), segs[3].subarray(0, 8)]);
  const allSegs = execFileSync('tshark', ['-r', PCAP, '-Y', 'tcp.srcport == 80 && tcp.len > 0', '-T', 'fields', '-e', 'tcp.payload'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }).split('\n').filter(Boolean).map((p) => Buffer.from(p, 'hex'));
  let m: Map<number, number>;
  try {
    m = counts(`alert tcp any 80 -> any any (msg:"split"; content:"|${hex(split)}|"; sid:1;)\nalert tcp any 80 -> any any (msg:"s"; flow:only_stream; content:"HTTP/1.1"; sid:2;)\n`,
      ['--set', 'stream.reassembly.enabled=false']);
  } catch (e) {
    assert.fail(`stream.reassembly.enabled=false rejected: ${(e as Error).message}`);
  }
  assert.equal(m.get(1) ?? 0, occurrences(allSegs, split), 'packets only: whole occurrences inside one segment');
  assert.equal(m.get(2) ?? 0, 0, 'only_stream never matches without reassembly');
});

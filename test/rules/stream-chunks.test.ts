/**
 * When raw stream data is inspected (rules/detect/stream-stage.ts), through the real CLI on a
 * real capture, with tshark's packet list as the oracle. Suricata inspects acknowledged
 * stream data once `stream.reassembly.toserver-chunk-size` / `toclient-chunk-size` bytes
 * (2560) wait, or at once when the app layer completes a transaction side; the alert of a
 * stream match carries the time of the packet whose ACK released that inspection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEve } from './eve-run.js';
import { FENNEC } from './sv-case.js';
import { SHARED } from '../helpers/paths.js';
import { tcpStreams } from '../app/streams.js';

const PCAP = SHARED + '/bench/seeds/http-bro-org.pcap';

interface Row { frame: number; us: number; sport: number; seq: number; ack: number; len: number; payload: Buffer }

/** tcp.stream 0 of the capture, per tshark (relative sequence numbers). */
function stream0(): Row[] {
  return execFileSync('tshark', ['-r', PCAP, '-Y', 'tcp.stream == 0', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch',
    '-e', 'tcp.srcport', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.len', '-e', 'tcp.payload'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).map((l) => {
    const [f, t, sp, sq, ak, ln, pl] = l.split('\t');
    const [s, frac] = t.split('.');
    return { frame: +f, us: Number(s) * 1e6 + Number(frac.slice(0, 6)), sport: +sp, seq: +sq, ack: +ak, len: +ln, payload: Buffer.from(pl ?? '', 'hex') };
  });
}

/** EVE timestamp ("2014-01-14T17:04:01.898243+0000") in microseconds since the epoch. */
function eveUs(ts: string): number {
  return Date.parse(ts.slice(0, 19) + 'Z') * 1000 + Number(ts.slice(20, 26));
}

const hex = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

type Ev = { event_type: string; timestamp: string; alert?: { signature_id: number } };
function alertTimes(rule: string, extra: string[] = []): number[] {
  return runEve<Ev>(PCAP, rule, ['--set', 'checksum-validation=no', ...extra]).filter((e) => e.event_type === 'alert').map((e) => eveUs(e.timestamp));
}

test('stream chunks: to-client data is inspected once 2560 acknowledged bytes wait (toclient-chunk-size), not per ACK', () => {
  const rows = stream0();
  const srv = rows.filter((r) => r.sport === 80 && r.len > 0);
  // 16 bytes inside the server's first data segment; the response is longer than the
  // chunk sizes used here, so no transaction end triggers its inspection earlier.
  const first = srv[0];
  // 16 bytes of it that occur once in all server streams (tshark follow,tcp reassembles them).
  const servers = tcpStreams(PCAP).map((st) => Buffer.concat(st.chunks.filter((c) => !c.toServer).map((c) => c.bytes)));
  const occurrences = (p: Buffer): number => servers.reduce((n, b) => { for (let i = b.indexOf(p); i >= 0; i = b.indexOf(p, i + 1)) n++; return n; }, 0);
  let o = first.len - 16;
  while (o > 0 && occurrences(first.payload.subarray(o, o + 16)) !== 1) o -= 16;
  const pat = first.payload.subarray(o, o + 16);
  assert.equal(occurrences(pat), 1);
  const respEnd = srv.reduce((m, r) => Math.max(m, r.seq + r.len), 0);
  assert.ok(respEnd > 5000, `stream 0's server bytes (${respEnd}) exceed the chunk sizes tested`);
  const rule = `alert tcp any 80 -> any any (msg:"first segment"; flow:only_stream; content:"|${hex(pat)}|"; sid:1;)`;
  // The first client packet whose ACK covers `bytes` bytes of the server's stream (relative ack = bytes + 1).
  const ackedAt = (bytes: number): number => rows.find((r) => r.sport !== 80 && r.ack - 1 >= bytes)!.us;
  const def = alertTimes(rule);
  assert.equal(def.length, 1);
  assert.equal(def[0], ackedAt(2560), 'default: inspected when 2560 bytes are acknowledged');
  const every = alertTimes(rule, ['--set', 'stream.reassembly.toclient-chunk-size=0']);
  assert.deepEqual(every, [ackedAt(first.seq - 1 + first.len)], 'chunk size 0: inspected on the ACK of the segment');
  const big = alertTimes(rule, ['--set', 'stream.reassembly.toclient-chunk-size=4000']);
  assert.deepEqual(big, [ackedAt(4000)], 'chunk size 4000: inspected when 4000 bytes are acknowledged');
  assert.ok(every[0] < def[0] && def[0] < big[0]);
});

test('stream chunks: a completed HTTP request triggers inspection of the to-server stream at once', () => {
  const rows = stream0();
  const req = rows.find((r) => r.sport !== 80 && r.len > 0)!;
  assert.ok(req.len < 2560, 'the request is smaller than a chunk');
  const line = req.payload.subarray(0, req.payload.indexOf('\r\n'));
  const rule = `alert tcp any any -> any 80 (msg:"request line"; flow:only_stream; content:"|${hex(line)}|"; sid:2;)`;
  // Oracle: the server's first packet acknowledging the whole request.
  const acked = rows.find((r) => r.sport === 80 && r.ack - 1 >= req.seq - 1 + req.len)!;
  const t = alertTimes(rule);
  assert.ok(t.length >= 1);
  assert.equal(t[0], acked.us, 'inspected when the request is acknowledged, not when 2560 bytes wait');
});

test('stream chunks: a chunk size above 65535 is refused with the key named', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-chunk-'));
  try {
    writeFileSync(join(tmp, 'r.rules'), 'alert tcp any any -> any any (msg:"x"; content:"GET"; sid:1;)\n');
    const r = spawnSync(process.execPath, [FENNEC, 'run', '--log-level', 'error', '--pcap', PCAP, '--rules', join(tmp, 'r.rules'),
      '--eve', join(tmp, 'eve.json'), '--data-dir', join(tmp, 'data'), '--set', 'stream.reassembly.toserver-chunk-size=70000'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /stream\.reassembly\.toserver-chunk-size.*65535/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('stream chunks: bytes flushed at the session close keep their stream offsets (offset/depth windows)', () => {
  // The passive FTP data connection (server port 47045) sends 161 kB to the client and
  // closes; with a 65535-byte to-client chunk its last ~30 kB wait until the close.
  const pcap = SHARED + '/bench/seeds/ftp-transfer.pcap';
  const st = tcpStreams(pcap).find((s) => s.serverPort === 47045 || s.clientPort === 47045)!;
  const data = Buffer.concat(st.chunks.filter((c) => c.toServer === (st.clientPort === 47045)).map((c) => c.bytes));
  assert.ok(data.length > 2 * 65535, `data stream of ${data.length} bytes`);
  const lastOff = data.length - 16;
  // 16 bytes after two chunks that occur once in the stream (it is a text file: most lines repeat).
  let midOff = 65535 * 2 + 1000;
  while (data.indexOf(data.subarray(midOff, midOff + 16)) !== midOff) midOff += 16;
  const last = data.subarray(lastOff), mid = data.subarray(midOff, midOff + 16);
  assert.ok(data.indexOf(last) === lastOff && data.indexOf(mid) === midOff, 'the patterns are unique in the stream');
  const events = runEve<Ev>(pcap, [
    `alert tcp any 47045 -> any any (msg:"last bytes"; flow:only_stream; content:"|${hex(last)}|"; offset:${lastOff}; depth:16; sid:10;)`,
    `alert tcp any 47045 -> any any (msg:"mid bytes"; flow:only_stream; content:"|${hex(mid)}|"; offset:${midOff}; depth:16; sid:11;)`,
    `alert tcp any 47045 -> any any (msg:"last bytes, wrong window"; flow:only_stream; content:"|${hex(last)}|"; depth:${lastOff}; sid:12;)`,
  ].join('\n'), ['--set', 'checksum-validation=no', '--set', 'stream.reassembly.toclient-chunk-size=65535', '--set', 'stream.reassembly.toserver-chunk-size=65535']);
  const sids = events.filter((e) => e.event_type === 'alert').map((e) => e.alert!.signature_id).sort();
  assert.deepEqual(sids, [10, 11]);
});

test('stream chunks: over the held-bytes cap deliveries are inspected at once, with the same alerts', async () => {
  const { buildPipeline } = await import('../../sensor/build.js');
  const { DEFAULT_FLOW_CONFIG } = await import('../../sensor/flow/config.js');
  const { openCaptureFiles } = await import('../../sensor/capture/file.js');
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-chunk-'));
  try {
    // Stream rules on patterns found once per request or response (several per flow). A
    // pattern repeated inside one chunk alerts once per inspection, so its count depends on
    // the chunking by design; these do not.
    writeFileSync(join(tmp, 'r.rules'), [
      'alert tcp any 80 -> any any (msg:"status"; flow:only_stream; content:"HTTP/1.1 200 OK"; sid:1;)',
      'alert tcp any 80 -> any any (msg:"css"; flow:only_stream; content:"text/css"; sid:2;)',
      'alert tcp any any -> any 80 (msg:"host"; flow:only_stream; content:"Host: www.bro.org"; sid:3;)',
    ].join('\n') + '\n');
    const run = (cap: number | null) => {
      const counts = new Map<number, number>();
      const built = buildPipeline({
        flow: structuredClone(DEFAULT_FLOW_CONFIG), defrag: { timeoutSec: 60, memcap: 32 << 20, maxTrackers: 4096, maxFragsPerTracker: 256, policy: 'bsd' },
        detect: { paths: [join(tmp, 'r.rules')], addressGroups: {}, portGroups: {}, classificationFile: null, packetAlertMax: 15, cacheDir: null, checksumValidation: 'no' },
      }, () => {}, (a) => counts.set(a.signature_id, (counts.get(a.signature_id) ?? 0) + 1));
      const sd = built.app!.raw!;
      if (cap !== null) sd.heldCap = cap;
      const src = openCaptureFiles([PCAP]);
      let peak = 0;
      for (let b = src.next(0); b !== null; b = src.next(0)) { built.pipeline.processBatch(b); peak = Math.max(peak, sd.heldBytes); }
      built.pipeline.finish();
      return { counts: [...counts].sort((x, y) => x[0] - y[0]), chunks: sd.chunks, peak, end: sd.heldBytes };
    };
    const def = run(null), capped = run(0);
    assert.ok(def.counts.length === 3 && def.counts.every(([, n]) => n > 0), JSON.stringify(def.counts));
    assert.deepEqual(capped.counts, def.counts, 'same alerts per sid');
    assert.ok(capped.chunks > def.chunks, `more inspections when nothing may wait (${capped.chunks} vs ${def.chunks})`);
    assert.ok(def.peak > 0 && def.end === 0, 'held buffers are accounted and all returned at flow end');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

/**
 * Raw-stream content windows count from the stream start (Suricata's
 * DetectEngineContentInspection stream_start_offset): the payload inspector is given a
 * buffer that starts `streamStart` bytes into a real HTTP response stream (tshark follow,tcp,raw
 * of http-206-range.pcap) and absolute offset/depth windows are placed in stream
 * coordinates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadRules } from '../../rules/loader.js';
import { PayloadInspector } from '../../rules/detect/payload.js';
import { tcpStreams } from '../app/streams.js';
import { SHARED } from '../helpers/paths.js';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

test('stream-start-relative offset/depth on a real response stream', () => {
  const streams = tcpStreams(join(SHARED, 'bench/seeds/http-206-range.pcap'));
  // The longest to-client byte stream of the capture.
  let best = new Uint8Array(0);
  for (const s of streams) {
    const parts = s.chunks.filter((c) => !c.toServer).map((c) => c.bytes);
    const n = parts.reduce((a, p) => a + p.length, 0);
    if (n <= best.length) continue;
    best = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { best.set(p, o); o += p.length; }
  }
  assert.ok(best.length > 6000, `stream length ${best.length}`);
  const rule = (text: string) => {
    const rs = loadRules([], {}, [{ name: 't.rules', text: `alert tcp any any -> any any (msg:"t"; ${text} sid:1;)\n` }]);
    assert.equal(rs.rules.length, 1, text);
    return rs.rules[0].payload;
  };
  const ins = new PayloadInspector();
  const at = (buf: Uint8Array, start: number, text: string) => { ins.streamStart = start; const r = ins.inspect(rule(text), buf, 0, buf.length); ins.streamStart = 0; return r; };
  const head = `content:"|${hex(best.subarray(0, 8))}|"; depth:8;`;
  // From the stream start the first 8 bytes match within depth 8.
  assert.equal(at(best.subarray(0, 3000), 0, head), true);
  // A buffer starting at stream offset 2048 whose first 8 bytes are the same pattern would match a
  // buffer-relative depth; in stream coordinates the window [0, 8) lies before the buffer.
  const buf = new Uint8Array(best.length - 2048 + 0);
  buf.set(best.subarray(2048));
  buf.set(best.subarray(0, 8), 0);
  assert.equal(at(buf, 2048, head), false);
  assert.equal(at(buf, 0, head), true, 'buffer-relative (packet) semantics still match');
  // offset 2050 depth 8 (stream coordinates) is buffer [2, 10).
  const mid = `content:"|${hex(best.subarray(2050, 2058))}|"; offset:2050; depth:8;`;
  assert.equal(at(best.subarray(2048), 2048, mid), true);
  assert.equal(at(best.subarray(2040), 2040, mid), true);
  assert.equal(at(best.subarray(2051), 2051, mid), false, 'window starts before the buffer: cut to [0, 7) of a buffer where the pattern starts at -1');
  // No depth: an offset before the buffer start means "from the buffer start".
  const tailPat = `content:"|${hex(best.subarray(4000, 4008))}|"; offset:100;`;
  assert.equal(at(best.subarray(2048), 2048, tailPat), true);
});

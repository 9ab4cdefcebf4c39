/**
 * When a TCP payload rule sees a packet that the reassembler adds to its stream, on real
 * bytes: suricata-verify detect-bytetest-02 (one midstream HTTP request packet, upstream
 * --set stream.midstream=true). Suricata (detect-parse.c SigValidate, detect.c
 * DetectEngineInspectRulePayloadMatches): a TCP payload rule is REQUIRE_STREAM; a content
 * with depth/offset adds REQUIRE_PACKET. A stream-added packet's payload is skipped for
 * REQUIRE_STREAM-only rules, inspected for REQUIRE_PACKET ones. The request is never
 * acknowledged, so the stream is inspected once, at the end-of-flow flush: sids 4/5
 * (`content:"GET "; depth:4`) alert on the packet AND on the stream (2 each), the pcre
 * (sid 1) and byte_jump (sid 2) rules on the stream only (1 each).
 */
import { alertCounts } from '../rules/eve-run.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../rules/loader.js';
import { streamAlsoPacket, streamEligible } from '../../rules/compiler.js';
import { ROOT, SHARED } from '../helpers/paths.js';

const CASE = join(SHARED, 'corpus/suricata-verify/detect-bytetest-02');

test('detect-bytetest-02 rules: depth/offset contents also inspect stream-added packets; pcre/byte_jump/only_stream do not', () => {
  const rs = loadRules([join(CASE, 'rules')], { appLayer: true }, [{
    name: 'extra.rules',
    text: 'alert tcp any any -> any any (content:"GET "; depth:4; flow:only_stream; sid:90;)\n' +
      'alert tcp-stream any any -> any any (content:"GET "; offset:0; depth:4; sid:91;)\n' +
      'alert tcp any any -> any any (content:"HTTP/1."; startswith; sid:92;)\n' +
      'alert tcp any any -> any any (content:"HTTP/1."; content:"0"; distance:0; within:1; sid:93;)\n',
  }]);
  const by = new Map(rs.rules.map((r) => [r.sid, r]));
  const also = (sid: number): boolean => { const r = by.get(sid)!; return streamEligible(r) && streamAlsoPacket(r); };
  assert.deepEqual([1, 2, 3, 4, 5, 90, 91, 92, 93].map(also), [false, false, false, true, true, false, false, true, false]);
});

test('detect-bytetest-02 through the CLI: sids 4/5 alert on the packet and on the flushed stream, 1/2 once', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-bt02-'));
  try {
    const eve = join(tmp, 'eve.json');
    execFileSync(process.execPath, [join(ROOT, 'bin/fennec.js'), 'run', '--log-level', 'error', '--pcap', join(CASE, 'input.pcap'),
      '--rules', join(CASE, 'rules'), '--eve', eve, '--data-dir', join(tmp, 'data'), '--set', 'stream.midstream=true'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    const events = readFileSync(eve, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event_type: string; alert?: { signature_id: number } });
    const n = alertCounts(events);
    const flows = events.filter((e) => e.event_type === 'flow').length;
    assert.deepEqual([1, 2, 3, 4, 5].map((s) => n.get(s) ?? 0), [1, 1, 0, 2, 2]);
    assert.equal(flows, 1);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

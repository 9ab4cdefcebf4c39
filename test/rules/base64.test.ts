/**
 * base64_decode / base64_data (rules/keywords/base64-*.ts, detect/payload.ts) on the real
 * request body of suricata-verify bug-7842-01 (a PowerShell serialized object posted as
 * test='<base64>'), extracted by tshark. The CLI path is covered by the corpus cases
 * base64-decode-5885 and bug-7842-01 (test/rules/suricata-verify.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseRule } from '../../rules/parser.js';
import { makeContext } from '../../rules/loader.js';
import { PayloadInspector } from '../../rules/detect/payload.js';
import { decodeBase64Into, BASE64_DECODE_MAX } from '../../rules/keywords/base64-decode.js';
import type { Rule } from '../../rules/types.js';
import { SV } from './fixtures.js';

const body = Buffer.from(execFileSync('tshark', ['-r', join(SV, 'bug-7842-01/base64_0x27_detptr_bug.pcap'), '-Y', 'http.request', '-T', 'fields', '-e', 'http.file_data'], { encoding: 'utf8' }).trim(), 'latin1');

function rule(opts: string): Rule | string {
  const r = parseRule(`alert tcp any any -> any any (${opts} sid:1;)`, 't', 1, makeContext());
  return 'reason' in r ? r.message : r;
}

function matches(opts: string, data: Uint8Array = body): boolean {
  const r = rule(opts);
  if (typeof r === 'string') assert.fail(r);
  return new PayloadInspector().inspect(r.payload, data, 0, data.length);
}

test('decoder: RFC 4648 stops at the first byte outside the alphabet or at padding; partial groups kept', () => {
  const out = new Uint8Array(BASE64_DECODE_MAX + 3);
  const dec = (s: string) => Buffer.from(out.subarray(0, decodeBase64Into(Buffer.from(s), 0, s.length, out))).toString('latin1');
  assert.equal(dec('SGVsbG8gV29ybGQ='), 'Hello World');
  assert.equal(dec('SGVsbG8%3D'), 'Hello');
  assert.equal(dec('SGVsbA'), 'Hell');
  assert.equal(dec('%SGVs'), '');
  // The tshark body: test='AAEAAAD/////AQAA...: the decoded object header.
  const at = body.indexOf(0x27) + 1;
  const n = decodeBase64Into(body, at, body.length - at, out);
  assert.deepEqual([...out.subarray(0, 9)], [0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  assert.ok(Buffer.from(out.subarray(0, n)).includes('System.Management.Automation.PSObject'));
});

test('base64_decode:relative after a content, base64_data with depth / within / distance', () => {
  assert.equal(matches('content:"|27|"; base64_decode:relative; base64_data; content:"|00 01 00 00 00 ff ff ff ff|"; depth:9; content:".PSObject"; distance:0;'), true);
  assert.equal(matches('content:"|27|"; base64_decode:relative; base64_data; content:"|ff 01|"; within:2;'), false);
  assert.equal(matches('content:"|27|"; base64_decode:relative; base64_data; content:"|ff ff ff ff|"; within:16; content:"|2f|RunspaceInvoke"; distance:0;'), true);
  // Not relative: decoding starts at "test='..." which is not base64 past "test".
  assert.equal(matches('content:"|27|"; base64_decode; base64_data; content:"|00 01 00 00 00|";'), false);
});

test('base64_decode bytes/offset limits, and a failing base64_data lets the content try its next occurrence', () => {
  // bytes 12 decodes 9 bytes: the 9-byte header matches, anything after it does not.
  assert.equal(matches('content:"|27|"; base64_decode:bytes 12, relative; base64_data; content:"|ff ff ff ff|"; depth:9;'), true);
  assert.equal(matches('content:"|27|"; base64_decode:bytes 12, relative; base64_data; content:"|01|"; distance:8;'), false);
  assert.equal(matches('content:"|27|"; base64_decode:offset 100000, relative; base64_data; content:"|00|";'), false);
  // An earlier quote followed by non-base64: nothing decodes there, the next quote matches.
  const twoQuotes = Buffer.concat([Buffer.from("x='%' "), body]);
  assert.equal(matches('content:"|27|"; base64_decode:relative; base64_data; content:"|00 01 00 00 00 ff ff ff ff|"; depth:9;', twoQuotes), true);
  // Without base64_data nothing is inspected: Suricata's base64_decode alone never matches.
  assert.equal(matches('content:"|27|"; base64_decode:relative;'), false);
});

test('base64_decode parse errors and defaults like detect-base64-decode.c', () => {
  assert.match(String(rule('base64_decode:relatve; base64_data; content:"a";')), /invalid argument/);
  assert.match(String(rule('base64_decode:bytes x; base64_data; content:"a";')), /cannot parse/);
  assert.match(String(rule('base64_data; content:"a";')), /needs a preceding base64_decode/);
  const r = rule('content:"a"; base64_decode; base64_data; content:"b";') as Rule;
  const m = r.payload[1];
  assert.ok(m.t === 'base64_decode' && m.bytes === 65535 && m.offset === 0 && !m.relative && m.data.length === 1);
});

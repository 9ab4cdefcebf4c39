/**
 * tls.fingerprint (legacy value form, rules/keywords/tls-fingerprint.ts): parsed into an
 * exact, case-insensitive comparison on the tls.cert_fingerprint buffer. The real-capture
 * path is the corpus case tls/tls-fingerprint-alert (mixed-case values match, a value that
 * differs in its last digit does not) in test/rules/suricata-verify.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../rules/parser.js';
import { makeContext } from '../../rules/loader.js';
import { PayloadInspector } from '../../rules/detect/payload.js';
import { uintMatch } from '../../rules/keywords/uint.js';
import type { Rule } from '../../rules/types.js';

const FP = '90:86:a4:3b:f5:cf:1b:2e:4e:f7:97:96:f9:de:ba:b9:66:35:86:3f';

function parse(opt: string): Rule {
  const r = parseRule(`alert tls any any -> any any (${opt} sid:1;)`, 't', 1, makeContext());
  if ('reason' in r) assert.fail(r.message);
  return r;
}

/** Evaluates the rule's tls.cert_fingerprint list on a fingerprint string. */
function matchesFp(r: Rule, fp: string): boolean {
  const l = r.app!.lists.find((x) => x.name === 'tls.cert_fingerprint')!;
  const b = Buffer.from(fp);
  return (l.bsize === null || uintMatch(l.bsize, b.length)) && new PayloadInspector().inspect(l.matches, b, 0, b.length);
}

test('tls.fingerprint: exact and case-insensitive on the certificate fingerprint buffer', () => {
  const r = parse('tls.fingerprint:"90:86:A4:3B:F5:CF:1B:2E:4E:F7:97:96:f9:DE:BA:B9:66:35:86:3F";');
  assert.equal(matchesFp(r, FP), true);
  assert.equal(matchesFp(r, FP.slice(0, -1) + 'e'), false);
  assert.equal(matchesFp(r, FP + ':00'), false, 'a longer value is not equal');
  const n = parse(`tls.fingerprint:!"${FP}";`);
  assert.equal(matchesFp(n, FP), false);
  assert.equal(matchesFp(n, FP.slice(0, -1) + 'e'), true);
});

test('tls.fingerprint keeps the current sticky buffer', () => {
  const r = parse(`tls.sni; content:"example"; tls.fingerprint:"${FP}"; content:".com"; distance:0;`);
  const sni = r.app!.lists.find((x) => x.name === 'tls.sni')!;
  assert.equal(sni.matches.length, 2);
});

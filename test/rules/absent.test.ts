/**
 * absent (rules/keywords/absent.ts): parse rules here; matching on a real transaction
 * (a response without body, a request without headers) is the corpus case
 * detect-absent-file-multi in test/rules/suricata-verify.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../rules/parser.js';
import { makeContext } from '../../rules/loader.js';
import type { Rule } from '../../rules/types.js';

function parse(opts: string): Rule | string {
  const r = parseRule(`alert http any any -> any any (${opts} sid:1;)`, 't', 1, makeContext());
  return 'reason' in r ? r.message : r;
}

test('absent / absent: or_else bind to the current sticky buffer', () => {
  const a = parse('file.data; absent; http.stat_code; content:"500";') as Rule;
  assert.equal(a.app!.lists.find((l) => l.name === 'file.data')!.absent, 1);
  const o = parse('http.request_header; absent: or_else; content:!"abc";') as Rule;
  const l = o.app!.lists.find((x) => x.name === 'http.request_header')!;
  assert.equal(l.absent, 2);
  assert.equal(l.matches.length, 1);
  assert.match(String(parse('absent; content:"x";')), /needs a preceding sticky buffer/);
  assert.match(String(parse('file.data; content:"x"; absent;')), /follow the sticky buffer directly/);
  assert.match(String(parse('file.data; absent: maybe;')), /unknown option/);
});

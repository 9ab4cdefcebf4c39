/**
 * `=>` transactional bidirectional rules (Suricata 8): parsing and the direction each
 * buffer is bound to. Matching on real transactions is asserted by the corpus cases
 * detect-bidir, detect-bidir-flowbits and detect-bidir-ja3 (test/rules/suricata-verify.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../rules/parser.js';
import { makeContext } from '../../rules/loader.js';
import { TO_CLIENT, TO_SERVER } from '../../sensor/app/types.js';
import type { Rule } from '../../rules/types.js';

function parse(text: string): Rule | string {
  const r = parseRule(text, 't', 1, makeContext());
  return 'reason' in r ? r.message : r;
}

test('=> binds one-direction buffers to theirs, both-direction buffers to to_server unless named', () => {
  const r = parse('alert http any any => any any (msg:"x"; sid:11; http.uri; content:"/download"; http.stat_code; content:"200"; http.connection: to_client; content:"eep"; http.connection: to_server; content:"ke";)') as Rule;
  assert.equal(r.txBoth, true);
  assert.equal(r.bidirectional, false);
  const dirs = Object.fromEntries(r.app!.lists.map((l) => [l.name, l.dirs]));
  assert.deepEqual(dirs, { 'http.uri': TO_SERVER, 'http.stat_code': TO_CLIENT, 'http.connection:to_client': TO_CLIENT, 'http.connection': TO_SERVER });
  const conn = r.app!.lists.find((l) => l.name === 'http.connection:to_client')!;
  assert.equal(conn.matches.length, 1);
  const plain = parse('alert http any any => any any (sid:1; http.connection; content:"eep";)') as Rule;
  assert.equal(plain.app!.lists[0].dirs, TO_SERVER);
});

test('=> needs transaction keywords; a buffer direction needs =>; a direction the buffer lacks is refused', () => {
  assert.match(String(parse('alert tcp any any => any any (sid:1; content:"x";)')), /=> rules need app-layer/);
  assert.match(String(parse('alert http any any -> any any (sid:1; http.connection: to_client; content:"x";)')), /only allowed in => rules/);
  assert.match(String(parse('alert http any any => any any (sid:1; http.uri: to_client; content:"x";)')), /has no to_client direction/);
  assert.match(String(parse('alert http any any => any any (sid:1; http.uri: sideways; content:"x";)')), /direction must be/);
});

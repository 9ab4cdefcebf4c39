/** Vectorscan and PCRE2 facades on real payload bytes (suricata-verify captures via tshark). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vs from '../../native/vectorscan.js';
import * as pcre from '../../native/pcre2.js';
import { payloadPackets, svCase } from './fixtures.js';

const enc = new TextEncoder();

/** All end offsets of needle in hay (overlapping), the reference for the scanner. */
function ends(hay: Uint8Array, needle: Uint8Array, caseless: boolean): number[] {
  const low = (b: number) => (caseless && b >= 65 && b <= 90 ? b + 32 : b);
  const r: number[] = [];
  for (let i = 0; i + needle.length <= hay.length; i++) {
    let k = 0;
    while (k < needle.length && low(hay[i + k]) === low(needle[k])) k++;
    if (k === needle.length) r.push(i + needle.length);
  }
  return r;
}

test('vectorscan: batch scan of many real payloads in one call equals a naive search', () => {
  const pkts = [...payloadPackets(`${svCase('detect-bytejump-01')}/input.pcap`),
    ...payloadPackets(`${svCase('detect-bytetest-01')}/input.pcap`)];
  assert.ok(pkts.length >= 2);
  const needles = [
    { bytes: enc.encode('Question?'), id: 10, flags: 0 },
    { bytes: enc.encode('PANDEMIC'), id: 11, flags: vs.HS_FLAG_CASELESS },
    { bytes: new Uint8Array([0x00, 0x00]), id: 12, flags: 0 }, // leading NUL: regex path
    { bytes: enc.encode('e'), id: 13, flags: 0 },
  ];
  const db = vs.compileLiterals(needles);
  const scratch = new vs.HsScratch().grow(db);
  // All payloads back to back in one base array, as a worker's batch would be.
  const total = pkts.reduce((n, p) => n + p.payload.length, 0);
  const base = new Uint8Array(total);
  const bs = new vs.BatchScanner(pkts.length, 1 << 16);
  let o = 0;
  pkts.forEach((p, i) => { base.set(p.payload, o); bs.off[i] = o; bs.len[i] = p.payload.length; bs.tag[i] = 1000 + i; o += p.payload.length; });
  const n = bs.scan(db, scratch, base, pkts.length);
  assert.equal(bs.overflow, 0);
  const got = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = `${bs.matchTag[i]}/${bs.matchId[i]}`;
    (got.get(k) ?? got.set(k, []).get(k)!).push(bs.matchEnd[i]);
  }
  let expected = 0;
  pkts.forEach((p, i) => {
    for (const nd of needles) {
      const want = ends(p.payload, nd.bytes, nd.flags === vs.HS_FLAG_CASELESS);
      expected += want.length;
      assert.deepEqual((got.get(`${1000 + i}/${nd.id}`) ?? []).sort((a, b) => a - b), want, `packet ${p.frame} pattern ${nd.id}`);
    }
  });
  assert.equal(n, expected);
  assert.ok(got.has(`1000/10`), 'Question? is in the first bytejump payload');
  scratch.free();
  db.free();
});

test('vectorscan: serialize/deserialize round trip scans the same; overflow is reported', () => {
  const db = vs.compileLiterals([{ bytes: enc.encode('a'), id: 1, flags: 0 }]);
  const bytes = db.serialize();
  assert.ok(bytes.length > 0 && bytes.length === db.size());
  const db2 = vs.HsDatabase.deserialize(bytes);
  const scratch = new vs.HsScratch().grow(db2);
  const clone = scratch.clone();
  const base = enc.encode('banana');
  const bs = new vs.BatchScanner(4, 2);
  bs.off[0] = 0; bs.len[0] = base.length; bs.tag[0] = 0;
  assert.equal(bs.scan(db2, clone, base, 1), 2);
  assert.equal(bs.overflow, 1, 'three a in banana, room for two');
  assert.throws(() => vs.HsDatabase.deserialize(new Uint8Array(16)));
  clone.free(); scratch.free(); db.free(); db2.free();
});

test('vectorscan: regex API with min/max offset and a compile error names the expression', () => {
  const db = vs.compileRegex([{ expression: 'ban', id: 1, flags: 0, minOffset: 4 }, { expression: 'an', id: 2, flags: 0, maxOffset: 3 }]);
  const scratch = new vs.HsScratch().grow(db);
  const base = enc.encode('banana banana');
  const bs = new vs.BatchScanner(1, 16);
  bs.off[0] = 0; bs.len[0] = base.length; bs.tag[0] = 0;
  const n = bs.scan(db, scratch, base, 1);
  const got = [];
  for (let i = 0; i < n; i++) got.push(`${bs.matchId[i]}@${bs.matchEnd[i]}`);
  assert.deepEqual(got.sort(), ['1@10', '2@3']);
  assert.throws(() => vs.compileRegex([{ expression: 'ok', id: 1, flags: 0 }, { expression: '(', id: 2, flags: 0 }]),
    (e: vs.HsCompileError) => e.expression === 1);
});

test('pcre2: JIT match on a real payload at an offset, ovector relative to the offset', () => {
  const [p] = payloadPackets(`${svCase('detect-bytejump-01')}/input.pcap`);
  const text = Buffer.from(p.payload).toString('latin1');
  const at = text.indexOf('Question?');
  assert.ok(at >= 0);
  const code = pcre.compile('^Question\\?(\\d+)(When)', 0);
  assert.equal(code.captureCount, 2);
  // Subject starts at `at`, so ^ anchors there.
  assert.ok(code.match(p.payload, at, p.payload.length - at) > 0);
  const m = /^Question\?(\d+)(When)/.exec(text.slice(at))!;
  assert.deepEqual([...code.ovector.subarray(0, 2)], [0, m[0].length]);
  assert.equal(text.slice(at + code.ovector[2], at + code.ovector[3]), m[1]);
  // From the whole payload, ^ does not match unless the payload starts with it.
  assert.equal(code.match(p.payload, 0, p.payload.length), at === 0 ? 3 : pcre.PCRE2_ERROR_NOMATCH);
  // Caseless flag and start offset.
  const ci = pcre.compile('pandemic', pcre.PCRE2_CASELESS);
  assert.ok(ci.match(enc.encode('xx PANDEMIC'), 0, 11, 2) > 0);
  assert.equal(ci.match(enc.encode('xx PANDEMIC'), 0, 11, 4), pcre.PCRE2_ERROR_NOMATCH);
  assert.throws(() => pcre.compile('(unclosed'), /missing closing parenthesis/);
  // Catastrophic backtracking stops at Suricata's match limit instead of hanging.
  const evil = pcre.compile('(a+)+$');
  const subj = enc.encode('a'.repeat(40) + 'b');
  const rc = evil.match(subj, 0, subj.length);
  assert.ok(rc < 0 && rc !== 1);
  code.free(); ci.free(); evil.free();
});

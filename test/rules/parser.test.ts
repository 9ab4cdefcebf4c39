/** Parser, keyword and loader tests on real rule text (ET Open, suricata-verify). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadRules, makeContext } from '../../rules/loader.js';
import { parseRule } from '../../rules/parser.js';
import { KEYWORDS } from '../../rules/keywords/index.js';
import { parseUint, uintMatch } from '../../rules/keywords/uint.js';
import { addrMatch, parseAddress, parsePort, portMatch, defaultVars } from '../../rules/address.js';
import { ET_OPEN } from './fixtures.js';
import type { Rule } from '../../rules/types.js';

test('ET Open loads: every enabled rule is loaded or skipped with file:line, sid and reason; no crash', () => {
  const rs = loadRules([ET_OPEN]);
  const s = rs.stats;
  assert.equal(s.enabled, 14966);
  assert.equal(s.disabled, 10383);
  assert.equal(s.loaded + s.skipped + s.duplicateSids, s.enabled);
  // Measured: 14762 of 14966 load (98.6%) with app-layer keywords and http/dns/tls/ssh
  // headers (issue 4 target: 95%); the rest: smb headers, asn1 (xbits load since round 3).
  assert.ok(s.loaded >= 14762, `loaded ${s.loaded}`);
  assert.ok(s.loaded / s.enabled >= 0.95, `share ${s.loaded / s.enabled}`);
  for (const k of rs.skipped) {
    assert.ok(k.file.endsWith('.rules') && k.line > 0 && k.reason, JSON.stringify(k));
    if (k.reason === 'invalid-option') assert.fail(`ET Open rule rejected as invalid: ${k.file}:${k.line} ${k.message}`);
  }
  // Every skip is explained by a keyword outside the list (app-layer, asn1).
  for (const k of rs.skipped) assert.ok(k.reason !== 'unsupported-keyword' || ['asn1'].includes(k.keyword), k.keyword);
  // xbits (round 3): all 33 enabled ET Open xbits rules load.
  assert.ok(!rs.skipped.some((k) => k.keyword === 'xbits'));
  assert.equal(rs.rules.filter((r) => r.xbits !== undefined).length, 33);
});

function one(text: string): Rule {
  const r = parseRule(text, 't', 1, makeContext());
  if ('reason' in r) assert.fail(`${r.reason}: ${r.message}`);
  return r;
}

test('keywords: content modifiers, pcre, byte_* and header keywords from real ET Open rule text', () => {
  const r = one('alert tcp $HOME_NET any -> $EXTERNAL_NET 5555 (msg:"ET MALWARE x"; flow:established,to_server; content:"|00 00|"; depth:2; content:"Shell"; nocase; distance:3; within:9; fast_pattern; byte_test:2,>,100,0,relative,little; isdataat:!2,relative; pcre:"/^[a-z]{3}/Ri"; classtype:trojan-activity; sid:2000001; rev:2;)');
  assert.equal(r.sid, 2000001);
  assert.equal(r.category, 'A Network Trojan was detected');
  assert.equal(r.priority, 1);
  const [c1, c2, bt, isd, pc] = r.payload;
  assert.ok(c1.t === 'content' && c1.hasDepth && c1.depth === 2 && c1.bytes.length === 2);
  assert.ok(c2.t === 'content' && c2.nocase && c2.distance === 3 && c2.within === 9 && c2.fastPattern);
  assert.ok(bt.t === 'byte_test' && bt.op === '>' && bt.value === 100 && bt.endian === 'little' && bt.relative);
  assert.ok(isd.t === 'isdataat' && isd.negated && isd.relative && isd.n === 2);
  assert.ok(pc.t === 'pcre' && pc.relative);
  assert.ok(r.flow?.established && r.flow.toServer);
  // invalid combinations are rejected with the keyword
  for (const [bad, kw] of [
    ['alert tcp any any -> any any (content:"abc"; depth:2; sid:1;)', 'depth'],
    ['alert tcp any any -> any any (nocase; sid:1;)', 'nocase'],
    ['alert tcp any any -> any any (content:"a"; offset:1; distance:2; sid:1;)', 'distance'],
    ['alert tcp any any -> any any (ttl:300; sid:1;)', 'ttl'],
    ['alert tcp any any -> any any (flow:to_server,to_client; sid:1;)', 'flow'],
    ['alert tcp any any -> any any (pcre:"/(/"; sid:1;)', 'pcre'],
    ['alert tcp any any -> any any (http.uri; content:"a"; dns.query; sid:1;)', 'dns.query'],
    ['alert dns any any -> any any (http.uri; content:"a"; sid:1;)', ''],
    ['alert tcp any any -> any any (foo_bar; sid:1;)', 'foo_bar'],
  ] as const) {
    const f = parseRule(bad, 't', 1, makeContext());
    assert.ok('reason' in f && f.keyword === kw, `${bad} → ${JSON.stringify(f)}`);
  }
});

test('keyword registry: every keyword has name, description, doc url and parse', () => {
  const names = new Set<string>();
  for (const k of KEYWORDS) {
    assert.ok(k.name && k.description && k.url.startsWith('https://docs.suricata.io/'), k.name);
    assert.ok(!names.has(k.name), `duplicate ${k.name}`);
    names.add(k.name);
  }
  for (const n of ['content', 'pcre', 'byte_math', 'flowbits', 'flowint', 'threshold', 'detection_filter', 'tcp.mss', 'stream_size', 'tag']) assert.ok(names.has(n), n);
});

test('uint grammar (Suricata uint.rs): =, !, <, <=, >, >=, ranges', () => {
  const m = (s: string, v: number) => { const c = parseUint(s, 255); assert.ok(typeof c !== 'string', s); return uintMatch(c, v); };
  assert.ok(m('64', 64) && !m('64', 63));
  assert.ok(m('<10', 9) && !m('<10', 10) && m('<=10', 10));
  assert.ok(m('>10', 11) && m('>=10', 10) && !m('>10', 10));
  assert.ok(m('10<>20', 15) && !m('10<>20', 10) && !m('10<>20', 20) && m('10-20', 11));
  assert.ok(m('!5', 4) && !m('!5', 5));
  assert.equal(typeof parseUint('256', 255), 'string');
  assert.equal(typeof parseUint('20<>10', 255), 'string');
});

test('address and port groups: negation, nested lists, ranges, variables, IPv6', () => {
  const vars = defaultVars();
  const a = (s: string) => { const e = parseAddress(s, vars); assert.ok(typeof e !== 'string', `${s}: ${e}`); return e; };
  const ip = (s: string) => Uint32Array.of(0, 0, 0xffff, s.split('.').reduce((x, o) => x * 256 + Number(o), 0)); // IPv4-mapped, as the decoder stores it
  assert.ok(addrMatch(a('$HOME_NET'), 4, ip('10.1.2.3')));
  assert.ok(!addrMatch(a('$EXTERNAL_NET'), 4, ip('10.1.2.3')));
  assert.ok(addrMatch(a('$EXTERNAL_NET'), 4, ip('8.8.8.8')));
  assert.ok(addrMatch(a('[10.0.0.0/8,!10.1.0.0/16]'), 4, ip('10.2.0.1')));
  assert.ok(!addrMatch(a('[10.0.0.0/8,!10.1.0.0/16]'), 4, ip('10.1.0.1')));
  assert.ok(addrMatch(a('[!1.1.1.1]'), 4, ip('1.1.1.2')));
  assert.ok(addrMatch(a('1.1.1.1-1.1.1.5'), 4, ip('1.1.1.3')));
  assert.ok(addrMatch(a('2001:db8::/32'), 6, Uint32Array.of(0x20010db8, 1, 2, 3)));
  assert.ok(!addrMatch(a('2001:db8::/32'), 4, ip('1.1.1.1')));
  const p = (s: string) => { const e = parsePort(s, vars); assert.ok(typeof e !== 'string', s); return e; };
  assert.ok(portMatch(p('[80,443,8000:8080]'), 8001) && !portMatch(p('[80,443,8000:8080]'), 81));
  assert.ok(portMatch(p('!80'), 81) && !portMatch(p('$SHELLCODE_PORTS'), 80));
  assert.ok(portMatch(p('1024:'), 65535) && !portMatch(p('[1:100,!50]'), 50));
  assert.equal(typeof parseAddress('$NOPE', vars), 'string');
  assert.equal(typeof parseAddress('[1.1.1.1', vars), 'string');
});

test('loader: multi-line rules, disabled rules, duplicate sids, comments', () => {
  const text = [
    '# a comment',
    'alert tcp any any -> any any (msg:"one"; \\',
    '  content:"x"; sid:1; rev:1;)',
    '# alert tcp any any -> any any (msg:"disabled"; sid:2; rev:1;)',
    'alert tcp any any -> any any (msg:"dup newer"; sid:1; rev:3;)',
    'alert tcp any any -> any any (msg:"bad"; xyzzy; sid:5;)',
  ].join('\n');
  const rs = loadRules([], {}, [{ name: 'mem.rules', text }]);
  assert.equal(rs.stats.enabled, 3);
  assert.equal(rs.stats.disabled, 1);
  assert.equal(rs.stats.loaded, 1);
  assert.equal(rs.stats.duplicateSids, 1);
  assert.equal(rs.rules[0].msg, 'dup newer');
  assert.deepEqual(rs.skipped.map((k) => [k.line, k.sid, k.keyword]), [[6, 5, 'xyzzy']]);
});

test('fuzz: random mutations of real ET Open rules never crash the loader', () => {
  const lines = readFileSync(`${ET_OPEN}/emerging-exploit.rules`, 'utf8').split('\n').filter((l) => l.startsWith('alert'));
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const alphabet = ';:"|\\()[]!,$ -0123456789abcdefxyz/<>';
  const texts: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let s = lines[rnd(lines.length)];
    const edits = 1 + rnd(6);
    for (let e = 0; e < edits; e++) {
      const pos = rnd(s.length + 1);
      const op = rnd(3);
      if (op === 0) s = s.slice(0, pos) + alphabet[rnd(alphabet.length)] + s.slice(pos);
      else if (op === 1) s = s.slice(0, pos) + s.slice(pos + 1 + rnd(8));
      else s = s.slice(0, pos) + s.slice(rnd(s.length));
    }
    texts.push(s);
  }
  const rs = loadRules([], {}, [{ name: 'fuzz.rules', text: texts.join('\n') }]);
  assert.equal(rs.stats.loaded + rs.stats.skipped + rs.stats.duplicateSids, rs.stats.enabled);
  assert.ok(!rs.skipped.some((k) => k.message.startsWith('internal error')), rs.skipped.find((k) => k.message.startsWith('internal error'))?.message);
});

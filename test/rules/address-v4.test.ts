/**
 * address.ts v4Set (the exact IPv4 set of an address expression, used by rule verification)
 * against addrMatch on every distinct source/destination expression of the ET Open ruleset
 * and on hand-written negations, for random addresses and for every range boundary ±1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { addrMatch, inV4Set, parseAddress, v4Set, type AddrExpr } from '../../rules/address.js';
import { loadRules } from '../../rules/loader.js';
import { SHARED } from '../helpers/paths.js';

function check(e: AddrExpr, seedIn: number): number {
  const set = v4Set(e);
  const w = new Uint32Array(4);
  const probes: number[] = [0, 0xffffffff];
  for (let i = 0; i < set.length; i++) { const x = set[i]; probes.push(x, Math.max(0, x - 1), Math.min(0xffffffff, x + 1)); }
  let seed = seedIn;
  for (let i = 0; i < 200; i++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; probes.push(seed); }
  for (const a of probes) {
    w[3] = a >>> 0;
    assert.equal(inV4Set(set, w[3]), addrMatch(e, 4, w), `${JSON.stringify(e).slice(0, 200)} @ ${w[3]}`);
  }
  return probes.length;
}

test('v4Set equals addrMatch on every ET Open address expression', () => {
  const dir = join(SHARED, 'rules/et-open');
  const rs = loadRules(readdirSync(dir).filter((f) => f.endsWith('.rules')).map((f) => join(dir, f)));
  const seen = new Set<AddrExpr>();
  let probes = 0;
  for (const r of rs.rules) for (const e of [r.src, r.dst]) if (!seen.has(e)) { seen.add(e); probes += check(e, seen.size); }
  assert.ok(seen.size > 50, `distinct expressions: ${seen.size}`);
  assert.ok(probes > 10000);
});

test('v4Set: negations, nested lists, v6 items', () => {
  for (const text of ['!10.0.0.0/8', '[10.0.0.0/8,!10.1.0.0/16]', '![10.0.0.0/8,192.168.1.1]', '[!1.2.3.4,!5.6.7.0/24]',
    '[fe80::/10,10.0.0.1]', '[[1.0.0.0/8,2.0.0.0/8],![1.1.0.0/16]]', 'any', '0.0.0.0/0', '255.255.255.255']) {
    const e = parseAddress(text, { address: {}, port: {} });
    assert.ok(typeof e !== 'string', `${text}: ${String(e)}`);
    check(e as AddrExpr, 99);
  }
});

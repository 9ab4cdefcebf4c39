/**
 * ET Open through the real loader (rules/loader.ts, app-layer keywords and http/dns/tls/ssh
 * headers on): the share of enabled rules that load, and that every loaded rule runs
 * somewhere — app rules (rule.app) each get a transaction inspection plan, every other rule
 * lands in the packet or stream groups of the compiled ruleset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRules } from '../../rules/loader.js';
import { compileRuleset, freeCompiled } from '../../rules/compiler.js';
import { AppInspector } from '../../rules/detect/app-inspect.js';
import { SHARED } from '../helpers/paths.js';

test('ET Open: >= 95% of enabled rules load; every loaded rule has a packet, stream or transaction path', () => {
  const rs = loadRules([SHARED + '/rules/et-open/']);
  const s = rs.stats;
  const share = s.loaded / s.enabled;
  const top = Object.entries(s.byKeyword).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ');
  const app = rs.rules.filter((r) => r.app);
  const ins = new AppInspector(rs.rules, () => {});
  console.log(`ET Open: ${s.loaded}/${s.enabled} (${(share * 100).toFixed(1)}%) load; ${ins.size} app-inspected (${ins.counters.withPayload} with raw-stream payload parts); top skips: ${top}`);
  // Measured: 14710/14966 = 98.3 %.
  assert.ok(share >= 0.95, `share ${share}`);
  assert.equal(ins.size, app.length, 'every app rule has a transaction inspection plan');
  const pf = ins.prefilterInfo;
  console.log(`app prefilter: ${pf.databases} databases over ${pf.buffers} buffers, ${pf.always} rules without a fast pattern`);
  assert.ok(pf.always < app.length / 10, 'most app rules are prefiltered');
  ins.free();
  const c = compileRuleset(rs);
  try {
    const inPacketPath = new Uint8Array(rs.rules.length);
    for (const g of [...c.groups, ...c.streamGroups, ...c.pktGroups]) {
      for (const r of g.always) inPacketPath[r] = 1;
      for (const rsOf of g.patternRules) for (const r of rsOf) inPacketPath[r] = 1;
    }
    const orphans = rs.rules.filter((r) => !r.app && inPacketPath[r.index] === 0).map((r) => r.sid);
    assert.deepEqual(orphans, [], 'packet rules in no group');
    assert.ok(app.every((r) => inPacketPath[r.index] === 0), 'transaction rules never enter the packet groups');
  } finally {
    freeCompiled(c);
  }
});

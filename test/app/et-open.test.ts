/**
 * ET Open through the real loader (rules/loader.ts, app-layer keywords and http/dns/tls/ssh
 * headers on): the share of enabled rules that load, and that every loaded rule runs
 * somewhere — app rules (rule.app) each get a transaction inspection plan, every other rule
 * lands in the packet or stream groups of the compiled ruleset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRules } from '../../rules/loader.js';
import { TCP_PORT_GROUPS, UDP_PORT_GROUPS, compileRuleset, freeCompiled } from '../../rules/compiler.js';
import { portMatch } from '../../rules/address.js';
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
    // Port groups (common + specific, or one merged database for small groups) lose no
    // candidate: a packet whose server port is P is prefiltered with every fast-pattern rule
    // of its group whose server-side port expression accepts P.
    for (const k of [2, 3, 8, 9, 10, 11]) {
      const base = k < 8 ? c.groups[k] : k < 10 ? c.pktGroups[k - 8] : c.streamGroups[k - 10];
      const udp = k < 4, dir = k & 1;
      for (const port of [...(udp ? UDP_PORT_GROUPS : TCP_PORT_GROUPS), 40000]) {
        const pg = c.byPort[k][c.portClass[udp ? 1 : 0][port]];
        const got = new Set<number>();
        for (const g of [pg.common, pg.specific]) if (g) for (const rsOf of g.patternRules) for (const r of rsOf) got.add(r);
        const missing: number[] = [];
        for (const rsOf of base.patternRules) for (const ri of rsOf) {
          const r = rs.rules[ri];
          if ((r.bidirectional || portMatch(dir === 0 ? r.dport : r.sport, port)) && !got.has(ri)) missing.push(r.sid);
        }
        assert.deepEqual(missing, [], `${base.name} server port ${port}: rules missing from its port group`);
      }
    }
  } finally {
    freeCompiled(c);
  }
});

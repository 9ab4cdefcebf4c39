/**
 * Detection on suricata-verify captures: packets from the tshark oracle through the
 * compiled ruleset; alert counts per sid compared with the case's expected counts. This runs
 * the packet-payload path only (no stream reassembly, no app-layer); the cases listed in
 * PACKET_CASES are those whose expectations do not depend on either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../rules/loader.js';
import { compileRuleset, freeCompiled } from '../../rules/compiler.js';
import { Detector } from '../../rules/detect/engine.js';
import { oracleSteps } from './oracle-packets.js';
import { SV } from './fixtures.js';

interface Case { pcap: string[]; rules: string; vars: Record<string, Record<string, string>>; expect: Array<{ sid: number; count: number }>; expect_total_alerts: number | null }

export function runCase(name: string): { got: Map<number, number>; c: Case; skipped: number } {
  const dir = join(SV, name);
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
  const rs = loadRules([join(dir, c.rules)], { vars: { address: c.vars['address-groups'] ?? {}, port: c.vars['port-groups'] ?? {} } });
  const compiled = compileRuleset(rs);
  const got = new Map<number, number>();
  const det = new Detector(compiled, (r) => got.set(r.sid, (got.get(r.sid) ?? 0) + 1));
  for (const s of oracleSteps(c.pcap.map((p) => join(dir, p)))) det.inspectPacket(s.p, s.f);
  det.free();
  freeCompiled(compiled);
  return { got, c, skipped: rs.skipped.length };
}

const PACKET_CASES = ['detect-bytejump-01', 'detect-bytetest-01', 'detect-itype', 'detect-icmp-id-01', 'tcp-mss-keyword',
  // Formerly known-wrong: ttl-ipv6 needed the `prefilter` keyword (rules were skipped);
  // udp-5379 was looked up under the wrong directory (the case is udp-5379/udp-trailing-data).
  // detect-bytetest-02 left this list: its second alerts per sid come from raw-stream
  // inspection, not the packet path (see EXPECTED_FAIL in suricata-verify.test.ts).
  'detect-ttl-ipv6', 'udp-5379/udp-trailing-data'];

for (const name of PACKET_CASES) {
  test(`suricata-verify ${name}: alerts per sid equal the expected counts (packet path)`, () => {
    const { got, c, skipped } = runCase(name);
    assert.equal(skipped, 0, 'every rule of the case loads');
    for (const e of c.expect) assert.equal(got.get(e.sid) ?? 0, e.count, `sid ${e.sid}`);
    if (c.expect_total_alerts !== null) assert.equal([...got.values()].reduce((a, b) => a + b, 0), c.expect_total_alerts);
  });
}

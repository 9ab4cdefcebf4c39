/**
 * The suricata-verify corpus end to end: every case under /work/shared/corpus/suricata-verify
 * (case.json found recursively; format in the corpus README) runs through the real CLI —
 * `fennec run --pcap ... --rules ... --eve ... --data-dir TMP --set ...` — and the EVE alert
 * events per sid must equal the expected counts (and expect_total_alerts, and expect_flows =
 * number of flow events, when set).
 *
 * Cases that cannot pass yet are listed in EXPECTED_FAIL with the precise missing feature.
 * They run anyway and are asserted to still differ, so a fix is noticed (then remove the
 * entry); nothing is skipped silently. Each CLI run starts embedded ClickHouse (~1.3 s), the
 * corpus takes ~2 min with 2 runs in parallel.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { runSvCase } from './sv-case.js';
import { SV } from './fixtures.js';

export const EXPECTED_FAIL: ReadonlyMap<string, string> = new Map([
]);

const cases = existsSync(SV)
  ? execSync(`find ${SV} -name case.json`).toString().trim().split('\n').map((p) => p.replace(/\/case\.json$/, '')).sort()
  : [];

describe('suricata-verify corpus through fennec run', { concurrency: 2 }, () => {
  test('every EXPECTED_FAIL entry names an existing case', () => {
    const names = new Set(cases.map((d) => relative(SV, d)));
    for (const n of EXPECTED_FAIL.keys()) assert.ok(names.has(n), `EXPECTED_FAIL lists unknown case ${n}`);
  });
  for (const dir of cases) {
    const name = relative(SV, dir);
    const why = EXPECTED_FAIL.get(name);
    test(`${name}${why ? ' (expected to fail: ' + why + ')' : ''}`, async () => {
      const r = await runSvCase(dir);
      if (why) {
        assert.notDeepEqual(r.diffs, [], `${name} now passes: remove it from EXPECTED_FAIL`);
      } else {
        assert.deepEqual(r.diffs, [], `${name}: ${r.diffs.join('; ')}`);
      }
    });
  }
});

/** Oracle: every TCP session of every pcap under ../shared/bench/seeds equals tshark's follow,tcp,raw. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkAll, type Mismatch } from './oracle-check.js';
import { SHARED } from '../helpers/paths.js';

const ROOT = SHARED + '/bench/seeds';

/**
 * Disagreement with tshark (same capture as suricata-verify flowint-isnotset): in
 * tls-subjectaltname.pcap the client of 192.168.100.206:60093 <-> 93.191.156.41:443 resets
 * the connection (frame 2671), the server still sends 2896 bytes and the client answers each
 * with a RST: the endpoint never accepted them. tshark follows them; we stop at the RST
 * (RFC 9293 3.10.7.4: a valid RST moves the receiver to CLOSED).
 */
const DOCUMENTED: Record<string, (m: Mismatch) => boolean> = {
  'tls-subjectaltname.pcap': (m) => m.tuple === '192.168.100.206|60093|93.191.156.41|443' && m.prefix && m.tshark[1] - m.ours[1] === 2896,
};
const pcaps = readdirSync(ROOT).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(ROOT, f));

test(`bench seeds: reassembled TCP streams equal tshark follow,tcp,raw (${pcaps.length} pcaps)`, () => {
  const { sessions, equal, unexplained } = checkAll(pcaps, DOCUMENTED);
  assert.deepEqual(unexplained, []);
  assert.ok(sessions > 150, `compared ${sessions} sessions`);
  assert.equal(equal, sessions);
});

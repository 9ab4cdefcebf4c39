/**
 * threshold.config (--set threshold-file=PATH) through the CLI on a real capture: one SMB
 * flow with 6676 data packets (suricata-verify threshold case), rules `dsize:>0` under
 * several sids; each directive's effect counted in the EVE output. A malformed file is a
 * one-line error (exit 2), never silently ignored.
 */
import { alertCounts } from './eve-run.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FENNEC } from './sv-case.js';
import { SV } from './fixtures.js';

const PCAP = join(SV, 'threshold/threshold-rule-flow-backoff-single-flow/filecontainer-smb.pcap');

test('threshold.config: limit, threshold, suppress (all and by ip), event_filter, rate_filter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fennec-thr-'));
  try {
    const rules = join(dir, 'r.rules');
    writeFileSync(rules, [1, 2, 3, 4, 5, 6, 7, 8].map((s) => `alert tcp any any -> any any (dsize:>0; sid:${s};)`).join('\n')
      + '\nalert tcp any any -> any any (dsize:>0; threshold:type limit, track by_flow, count 1, seconds 3600; sid:9;)\n');
    const thr = join(dir, 'threshold.config');
    writeFileSync(thr, [
      '# comment',
      'threshold gen_id 1, sig_id 1, type limit, track by_rule, count 3, seconds 3600',
      'threshold gen_id 1, sig_id 2, type threshold, track by_src, count 1000, seconds 3600',
      'suppress gen_id 1, sig_id 3',
      'suppress gen_id 1, sig_id 4, track by_either, ip [10.0.0.0/8,192.168.0.0/16,172.16.0.0/12]',
      'suppress gen_id 1, sig_id 5, track by_src, ip 203.0.113.7',
      'event_filter gen_id 1, sig_id 6, type both, track by_rule, count 10, seconds 3600',
      'rate_filter gen_id 1, sig_id 7, track by_rule, count 100, seconds 3600, new_action pass, timeout 3600',
      'threshold gen_id 1, sig_id 9, type limit, track by_rule, count 5, seconds 3600',
    ].join('\n'));
    const eve = join(dir, 'eve.json');
    execFileSync(process.execPath, [FENNEC, 'run', '--pcap', PCAP, '--rules', rules, '--eve', eve, '--data-dir', join(dir, 'd'),
      '--log-level', 'error', '--set', 'checksum-validation=no', '--set', `threshold-file=${thr}`]);
    const n = alertCounts(readFileSync(eve, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event_type: string; alert?: { signature_id: number } }));
    assert.equal(n.get(8), 6676, 'no directive: every data packet');
    assert.equal(n.get(1) ?? 0, 3, 'limit 3');
    assert.equal(n.get(2) ?? 0, 6, 'every 1000th match: 6 of 6676');
    assert.equal(n.get(3) ?? 0, 0, 'suppressed entirely');
    const local = tsharkPrivate();
    assert.equal(n.get(4) ?? 0, local ? 0 : 6676, 'suppressed by_either for private addresses');
    assert.equal(n.get(5) ?? 0, 6676, 'suppress by_src for another address leaves alerts');
    assert.equal(n.get(6) ?? 0, 1, 'both: once per window after 10');
    assert.equal(n.get(7) ?? 0, 100, 'rate_filter new_action pass: alerts stop after 100');
    assert.equal(n.get(9) ?? 0, 5, 'threshold.config replaces the rule\'s own threshold');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The capture's hosts are in RFC 1918 space (checked with tshark, not Fennec's decoder). */
function tsharkPrivate(): boolean {
  const out = execFileSync('tshark', ['-r', PCAP, '-c', '1', '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst'], { encoding: 'utf8' }).trim().split('\t');
  return out.every((a) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a));
}

test('threshold.config: a malformed line is an error naming file:line (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fennec-thr-'));
  try {
    const rules = join(dir, 'r.rules');
    writeFileSync(rules, 'alert tcp any any -> any any (dsize:>0; sid:1;)\n');
    const thr = join(dir, 'threshold.config');
    writeFileSync(thr, 'suppress gen_id 1, sig_id 1\nthreshold gen_id 1, sig_id 1, type sometimes, track by_src, count 1, seconds 1\n');
    const r = spawnSync(process.execPath, [FENNEC, 'run', '--pcap', PCAP, '--rules', rules, '--data-dir', join(dir, 'd'),
      '--set', `threshold-file=${thr}`], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /threshold\.config:2: .*invalid threshold type "sometimes"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

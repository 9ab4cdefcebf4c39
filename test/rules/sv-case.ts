/**
 * Runs one suricata-verify case (/work/shared/corpus/suricata-verify, format in its README)
 * through the real CLI — `fennec run --pcap ... --rules ... --eve ... --set ...` — and counts
 * the EVE alert events per sid and the flow events. The case's settings become `--set`
 * arguments: vars → vars.address-groups.X / vars.port-groups.X, config → KEY=VALUE (lists
 * joined with commas), threshold_file → threshold-file=PATH.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SvCase {
  name: string;
  pcap: string[];
  rules: string;
  vars: { 'address-groups'?: Record<string, string>; 'port-groups'?: Record<string, string> };
  config: Record<string, unknown>;
  threshold_file: string | null;
  expect: Array<{ sid: number; count: number }>;
  expect_total_alerts: number | null;
  expect_flows: number | null;
  category: string;
}

export interface SvResult {
  exitCode: number;
  stderr: string;
  /** Alert events per signature id. */
  alerts: Map<number, number>;
  totalAlerts: number;
  flows: number;
  /** Human-readable differences from the expectation; empty = the case passes. */
  diffs: string[];
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FENNEC = join(ROOT, 'bin', 'fennec.js');

export function caseArgs(dir: string, c: SvCase, eve: string, dataDir: string): string[] {
  const args = ['run', '--log-level', 'error', '--eve', eve, '--data-dir', dataDir, '--rules', join(dir, c.rules)];
  for (const p of c.pcap) args.push('--pcap', join(dir, p));
  for (const [k, v] of Object.entries(c.vars['address-groups'] ?? {})) args.push('--set', `vars.address-groups.${k}=${v}`);
  for (const [k, v] of Object.entries(c.vars['port-groups'] ?? {})) args.push('--set', `vars.port-groups.${k}=${v}`);
  for (const [k, v] of Object.entries(c.config)) args.push('--set', `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  if (c.threshold_file) args.push('--set', `threshold-file=${join(dir, c.threshold_file)}`);
  return args;
}

export function readCase(dir: string): SvCase {
  return JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as SvCase;
}

/** The CLI's stderr report of a damaged input (sensor/cli.ts), the only accepted non-zero exit. */
const INPUT_DAMAGED = /input damaged: processed the frames before the damage/;

/** Runs the case; never throws for a failing case (the diffs say what differs). */
export function runSvCase(dir: string): Promise<SvResult> {
  const c = readCase(dir);
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-sv-'));
  const eve = join(tmp, 'eve.json');
  const args = caseArgs(dir, c, eve, join(tmp, 'data'));
  return new Promise((resolve) => {
    execFile(process.execPath, [FENNEC, ...args], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
      const exitCode = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const alerts = new Map<number, number>();
      let flows = 0, totalAlerts = 0;
      if (existsSync(eve)) {
        for (const line of readFileSync(eve, 'utf8').split('\n')) {
          if (!line) continue;
          const ev = JSON.parse(line) as { event_type: string; alert?: { signature_id: number } };
          if (ev.event_type === 'alert') { totalAlerts++; alerts.set(ev.alert!.signature_id, (alerts.get(ev.alert!.signature_id) ?? 0) + 1); }
          else if (ev.event_type === 'flow') flows++;
        }
      }
      rmSync(tmp, { recursive: true, force: true });
      const diffs: string[] = [];
      // Exit 1 with the CLI's "input damaged" report is Fennec's documented contract for a
      // capture that ends in a damaged record (README: the frames before the damage are
      // processed and stored, then exit 1). Suricata (libpcap) stops at such a record and
      // exits 0, so that exit code alone is not a difference; every alert count still is.
      const inputDamaged = exitCode === 1 && INPUT_DAMAGED.test(stderr);
      if (exitCode !== 0 && !inputDamaged) diffs.push(`exit ${exitCode}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      for (const e of c.expect) {
        const g = alerts.get(e.sid) ?? 0;
        if (g !== e.count) diffs.push(`sid ${e.sid}: ${g} alerts, expected ${e.count}`);
      }
      if (c.expect_total_alerts !== null && totalAlerts !== c.expect_total_alerts) diffs.push(`total alerts ${totalAlerts}, expected ${c.expect_total_alerts}`);
      if (c.expect_flows !== null && flows !== c.expect_flows) diffs.push(`flows ${flows}, expected ${c.expect_flows}`);
      resolve({ exitCode, stderr, alerts, totalAlerts, flows, diffs });
    });
  });
}

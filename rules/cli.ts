/**
 * `fennec rules check FILE|DIR [--json] [--classification-file F] [--set vars.address-groups.X=...]`:
 * loads the rules and prints totals — seen, enabled, disabled, loaded, skipped by reason
 * and by keyword, duplicate sids, load time, memory. Exit code 0 when every enabled rule
 * loaded, 1 when some were skipped, 2 on usage errors.
 */
import { loadRules, type LoadOptions } from './loader.js';

export async function rulesCheckCommand(argv: string[]): Promise<number> {
  const args = argv[0] === 'check' ? argv.slice(1) : argv;
  let json = false;
  let verbose = false;
  const paths: string[] = [];
  const opts: LoadOptions = { vars: { address: {}, port: {} } };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '--classification-file') opts.classificationFile = args[++i];
    else if (a === '--set') {
      const kv = args[++i] ?? '';
      const m = /^vars\.(address|port)-groups\.([A-Za-z_][\w]*)=(.*)$/.exec(kv);
      if (!m) { process.stderr.write(`rules check: unsupported --set "${kv}" (vars.address-groups.NAME=... or vars.port-groups.NAME=...)\n`); return 2; }
      opts.vars![m[1] === 'address' ? 'address' : 'port']![m[2]] = m[3];
    } else if (a.startsWith('-')) { process.stderr.write(`rules check: unknown option ${a}\n`); return 2; }
    else paths.push(a);
  }
  if (paths.length === 0) {
    process.stderr.write('usage: fennec rules check FILE|DIR [--json] [--verbose] [--classification-file F] [--set vars.address-groups.NAME=VALUE]\n');
    return 2;
  }
  let rs;
  try {
    rs = loadRules(paths, opts);
  } catch (e) {
    process.stderr.write(`rules check: ${(e as Error).message}\n`);
    return 2;
  }
  const s = rs.stats;
  const share = s.enabled ? s.loaded / s.enabled : 0;
  const sortDesc = (o: Record<string, number>) => Object.entries(o).sort((a, b) => b[1] - a[1]);
  if (json) {
    process.stdout.write(JSON.stringify({
      ...s, loadedShareOfEnabled: Number(share.toFixed(4)),
      byReason: Object.fromEntries(sortDesc(s.byReason)), byKeyword: Object.fromEntries(sortDesc(s.byKeyword)),
      duplicates: rs.duplicates, warnings: rs.warnings,
      skippedRules: verbose ? rs.skipped : undefined,
    }, null, 2) + '\n');
  } else {
    const out: string[] = [];
    out.push(`files:            ${s.files}`);
    out.push(`rules seen:       ${s.seen} (enabled ${s.enabled}, disabled ${s.disabled})`);
    out.push(`loaded:           ${s.loaded} (${(share * 100).toFixed(1)}% of enabled)`);
    out.push(`skipped:          ${s.skipped}`);
    for (const [k, n] of sortDesc(s.byReason)) out.push(`  ${k.padEnd(26)} ${n}`);
    out.push('skipped by keyword (top 25):');
    for (const [k, n] of sortDesc(s.byKeyword).slice(0, 25)) out.push(`  ${k.padEnd(26)} ${n}`);
    out.push(`duplicate sids:   ${s.duplicateSids}`);
    out.push(`load time:        ${s.loadMs.toFixed(0)} ms`);
    out.push(`memory (heap):    ${(s.heapBytes / 1048576).toFixed(1)} MiB`);
    if (rs.warnings.length) out.push(`warnings:         ${rs.warnings.length} (first: ${rs.warnings[0]})`);
    if (verbose) for (const k of rs.skipped) out.push(`${k.file}:${k.line}: sid ${k.sid}: ${k.reason}${k.keyword ? ` (${k.keyword})` : ''}: ${k.message}`);
    process.stdout.write(out.join('\n') + '\n');
  }
  return s.skipped === 0 ? 0 : 1;
}

/**
 * threshold.config (Suricata's `threshold-file`): suppress, threshold / event_filter and
 * rate_filter lines, applied to the loaded rules by gen_id/sig_id (sig_id 0 = every rule of
 * the gen_id; gen_id 0 = every gen_id). As in Suricata (src/util-threshold-config.c):
 *  - `threshold`/`event_filter` replace the rule's own `threshold` keyword;
 *  - `suppress` without track drops every alert of the rule; with `track by_src|by_dst|
 *    by_either, ip LIST` only alerts whose address is in LIST (addresses, CIDRs, $VARS);
 *  - `rate_filter` lets alerts through until `count` matches in `seconds`, then applies
 *    `new_action` for `timeout` seconds (passive mode: drop/reject/alert still alert,
 *    pass suppresses).
 * A malformed line is an error that names the line: the caller rejects the whole file.
 */
import { readFileSync } from 'node:fs';
import { parseAddress, type Vars } from './address.js';
import { parseThresholdOpts } from './keywords/threshold.js';
import type { RateFilterSpec, Rule, SuppressSpec, ThresholdSpec, TrackBy } from './types.js';

export type ThresholdEntry =
  | { kind: 'threshold'; gid: number; sid: number; spec: ThresholdSpec; line: number }
  | { kind: 'suppress'; gid: number; sid: number; spec: SuppressSpec; line: number }
  | { kind: 'rate_filter'; gid: number; sid: number; spec: RateFilterSpec; line: number };

export class ThresholdConfigError extends Error {
  readonly code = 'FENNEC_ERR_THRESHOLD_CONFIG';
}

function kv(parts: string[], line: number, file: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const x = /^\s*([\w]+)\s+(.+?)\s*$/.exec(p);
    if (!x) throw new ThresholdConfigError(`${file}:${line}: cannot parse "${p.trim()}"`);
    m.set(x[1], x[2]);
  }
  return m;
}

function ids(m: Map<string, string>, line: number, file: string): [number, number] {
  const g = m.get('gen_id'), s = m.get('sig_id');
  if (g === undefined || s === undefined || !/^\d+$/.test(g) || !/^\d+$/.test(s)) throw new ThresholdConfigError(`${file}:${line}: needs gen_id N, sig_id N`);
  return [Number(g), Number(s)];
}

/** Splits at commas outside [brackets] (ip lists). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const c of s) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (c === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

export function parseThresholdConfig(text: string, vars: Vars, file = 'threshold.config'): ThresholdEntry[] {
  const out: ThresholdEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const t = lines[i].trim();
    if (!t || t.startsWith('#')) continue;
    const sp = /^(\w+)\s+(.*)$/.exec(t);
    if (!sp) throw new ThresholdConfigError(`${file}:${line}: cannot parse "${t}"`);
    const [, kind, rest] = sp;
    const m = kv(splitTop(rest), line, file);
    const [gid, sid] = ids(m, line, file);
    m.delete('gen_id'); m.delete('sig_id');
    if (kind === 'threshold' || kind === 'event_filter') {
      const spec = parseThresholdOpts([...m].map(([k, v]) => `${k} ${v}`).join(','), true);
      if (typeof spec === 'string') throw new ThresholdConfigError(`${file}:${line}: ${spec}`);
      out.push({ kind: 'threshold', gid, sid, spec, line });
    } else if (kind === 'suppress') {
      const track = m.get('track');
      const ip = m.get('ip');
      if ((track === undefined) !== (ip === undefined)) throw new ThresholdConfigError(`${file}:${line}: suppress needs both track and ip, or neither`);
      if (track !== undefined && !['by_src', 'by_dst', 'by_either'].includes(track)) throw new ThresholdConfigError(`${file}:${line}: invalid suppress track "${track}"`);
      let addr = null;
      if (ip !== undefined) {
        const a = parseAddress(ip, vars);
        if (typeof a === 'string') throw new ThresholdConfigError(`${file}:${line}: ip: ${a}`);
        addr = a;
      }
      out.push({ kind: 'suppress', gid, sid, spec: { track: (track ?? 'none') as SuppressSpec['track'], addr }, line });
    } else if (kind === 'rate_filter') {
      const track = m.get('track') as TrackBy | undefined;
      const count = Number(m.get('count')), seconds = Number(m.get('seconds')), timeout = Number(m.get('timeout'));
      const na = m.get('new_action') as RateFilterSpec['newAction'] | undefined;
      if (!track || !['by_src', 'by_dst', 'by_rule', 'by_both'].includes(track)) throw new ThresholdConfigError(`${file}:${line}: rate_filter needs track by_src|by_dst|by_rule|by_both`);
      if (!(count >= 1) || !(seconds >= 1) || !(timeout >= 1)) throw new ThresholdConfigError(`${file}:${line}: rate_filter needs count, seconds and timeout >= 1`);
      if (!na || !['alert', 'drop', 'pass', 'reject'].includes(na)) throw new ThresholdConfigError(`${file}:${line}: rate_filter needs new_action alert|drop|pass|reject`);
      out.push({ kind: 'rate_filter', gid, sid, spec: { track, count, seconds, newAction: na, timeout }, line });
    } else {
      throw new ThresholdConfigError(`${file}:${line}: unknown directive "${kind}" (suppress, threshold, event_filter, rate_filter)`);
    }
  }
  return out;
}

export function loadThresholdConfig(path: string, vars: Vars): ThresholdEntry[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new ThresholdConfigError(`threshold-file: ${(e as Error).message}`); }
  return parseThresholdConfig(text, vars, path);
}

/** Applies the entries to the rules (in file order; a later threshold for a rule wins). */
export function applyThresholdConfig(rules: readonly Rule[], entries: readonly ThresholdEntry[]): void {
  for (const e of entries) {
    for (const r of rules) {
      if (e.gid !== 0 && r.gid !== e.gid) continue;
      if (e.sid !== 0 && r.sid !== e.sid) continue;
      if (e.kind === 'threshold') r.threshold = e.spec;
      else if (e.kind === 'suppress') r.suppress.push(e.spec);
      else r.rateFilter = e.spec;
    }
  }
}

/**
 * Loads rule files (or every *.rules file of a directory, sorted) into a Ruleset: joins
 * backslash-continued lines, skips blank lines and comments, counts commented-out rules
 * (`# alert ...`) as disabled, and records every rule it cannot load with file:line, sid,
 * reason and keyword. Duplicate gid:sid keep the highest rev (Suricata does the same).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultVars, type Vars } from './address.js';
import { RulesetContext } from './builder.js';
import { DEFAULT_CLASSIFICATION, parseClassificationConfig } from './classification.js';
import { parseRule, type SkipReason } from './parser.js';
import type { Rule } from './types.js';
import { enableAppLayer } from './keywords/app-buffer.js';

export interface SkippedRule {
  file: string;
  line: number;
  sid: number;
  reason: SkipReason;
  keyword: string;
  message: string;
}

export interface LoadStats {
  files: number;
  /** Rule lines seen: enabled + disabled. */
  seen: number;
  enabled: number;
  disabled: number;
  loaded: number;
  skipped: number;
  duplicateSids: number;
  byReason: Record<string, number>;
  byKeyword: Record<string, number>;
  loadMs: number;
  heapBytes: number;
}

export interface Ruleset {
  rules: Rule[];
  skipped: SkippedRule[];
  duplicates: Array<{ gid: number; sid: number; file: string; line: number }>;
  ctx: RulesetContext;
  stats: LoadStats;
  warnings: string[];
}

export interface LoadOptions {
  vars?: Partial<Vars>;
  classificationFile?: string;
  /**
   * Flowbit / flowint names of the ruleset being replaced, in slot order: a reload keeps
   * their slots so the flow state (FlowCtx bits/ints) keeps its meaning across the swap.
   */
  seedNames?: { flowbits: readonly string[]; flowints: readonly string[] };
  /** App-layer keywords and protocols (default on). */
  appLayer?: boolean;
}

const DISABLED = /^#+\s*(alert|pass|drop|reject|rejectsrc|rejectdst|rejectboth)\s+\S+\s+.*\(.*sid\s*:/;

export function ruleFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.rules')).sort().map((f) => join(path, f));
}

export function makeContext(opts: LoadOptions = {}): RulesetContext {
  const v = defaultVars();
  if (opts.vars?.address) Object.assign(v.address, opts.vars.address);
  if (opts.vars?.port) Object.assign(v.port, opts.vars.port);
  const cls = parseClassificationConfig(opts.classificationFile ? readFileSync(opts.classificationFile, 'utf8') : DEFAULT_CLASSIFICATION);
  const ctx = new RulesetContext(v, cls);
  // App-layer keywords and headers load: rules with `rule.app` go to the transaction
  // inspector (rules/detect/app-inspect.ts), never into the packet groups (compiler.ts).
  if (opts.appLayer !== false) enableAppLayer(ctx);
  for (const n of opts.seedNames?.flowbits ?? []) ctx.bit(n);
  for (const n of opts.seedNames?.flowints ?? []) ctx.int(n);
  return ctx;
}

/** Loads from files/directories. `texts` may add in-memory rule text ({name, text}). */
export function loadRules(paths: readonly string[], opts: LoadOptions = {}, texts: ReadonlyArray<{ name: string; text: string }> = []): Ruleset {
  const t0 = process.hrtime.bigint();
  const heap0 = process.memoryUsage().heapUsed;
  const ctx = makeContext(opts);
  const rs: Ruleset = {
    rules: [], skipped: [], duplicates: [], ctx, warnings: ctx.warnings,
    stats: { files: 0, seen: 0, enabled: 0, disabled: 0, loaded: 0, skipped: 0, duplicateSids: 0, byReason: {}, byKeyword: {}, loadMs: 0, heapBytes: 0 },
  };
  const bySid = new Map<string, number>();
  const sources: Array<{ name: string; text: string }> = [];
  for (const p of paths) for (const f of ruleFiles(p)) sources.push({ name: f, text: readFileSync(f, 'utf8') });
  sources.push(...texts);
  for (const src of sources) {
    rs.stats.files++;
    const lines = src.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const startLine = i + 1;
      let line = lines[i];
      while (line.endsWith('\\') && i + 1 < lines.length) { line = line.slice(0, -1) + lines[++i]; }
      const t = line.trim();
      if (t === '') continue;
      if (t.startsWith('#')) {
        if (DISABLED.test(t)) { rs.stats.disabled++; rs.stats.seen++; }
        continue;
      }
      rs.stats.seen++;
      rs.stats.enabled++;
      const r = parseRule(t, src.name, startLine, ctx);
      if ('reason' in r) {
        rs.skipped.push({ file: src.name, line: startLine, sid: r.sid, reason: r.reason, keyword: r.keyword, message: r.message });
        rs.stats.byReason[r.reason] = (rs.stats.byReason[r.reason] ?? 0) + 1;
        if (r.keyword) rs.stats.byKeyword[r.keyword] = (rs.stats.byKeyword[r.keyword] ?? 0) + 1;
        continue;
      }
      const key = `${r.gid}:${r.sid}`;
      const prev = bySid.get(key);
      if (prev !== undefined) {
        rs.stats.duplicateSids++;
        rs.duplicates.push({ gid: r.gid, sid: r.sid, file: src.name, line: startLine });
        if (r.rev > rs.rules[prev].rev) { r.index = prev; rs.rules[prev] = r; }
        continue;
      }
      r.index = rs.rules.length;
      bySid.set(key, r.index);
      rs.rules.push(r);
    }
  }
  for (const name of ctx.bitsChecked) {
    if (!ctx.bitsSet.has(name)) ctx.warnings.push(`flowbit "${name}" is checked but never set`);
  }
  rs.stats.loaded = rs.rules.length;
  rs.stats.skipped = rs.skipped.length;
  rs.stats.loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  rs.stats.heapBytes = Math.max(0, process.memoryUsage().heapUsed - heap0);
  return rs;
}

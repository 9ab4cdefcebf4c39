/**
 * Ruleset reload (SIGHUP, POST /api/v1/rules/reload). The main thread loads and compiles the
 * rules first — that is the validation: a ruleset whose files, threshold.config or Vectorscan
 * compile fail is rejected and every worker keeps its current detector. On success the
 * compiled databases are in the on-disk cache (DetectSettings.cacheDir), the generation in
 * the shared reload signal is bumped, and every DetectStage (inline or in a worker thread;
 * they all hold the same SharedArrayBuffer) swaps its Detector before its next packet,
 * keeping its flow contexts. Workers report swaps (and failures) back in the same buffer.
 *
 * Signal layout (Int32Array over a SharedArrayBuffer): [0] generation, [1] swaps done,
 * [2] swaps failed.
 */
import type { Ruleset } from './loader.js';
import { compileRuleset, freeCompiled } from './compiler.js';
import { loadDetectRuleset, type DetectSettings } from './detect/stage.js';

export function createReloadSignal(): SharedArrayBuffer {
  return new SharedArrayBuffer(3 * 4);
}

export interface ReloadResult {
  ok: boolean;
  /** Why the new ruleset was rejected (ok = false). */
  error?: string;
  generation: number;
  loaded: number;
  skipped: number;
  loadMs: number;
  compileMs: number;
}

export class RulesReloader {
  private readonly sig: Int32Array;
  private current: Ruleset | null = null;
  private busy: Promise<ReloadResult> | null = null;

  constructor(private readonly settings: DetectSettings) {
    if (!settings.reloadSignal) throw new Error('RulesReloader needs DetectSettings.reloadSignal');
    this.sig = new Int32Array(settings.reloadSignal);
  }

  /** The ruleset the workers started with (its flowbit names seed the next load). */
  setCurrent(rs: Ruleset): void {
    this.current = rs;
  }

  get generation(): number {
    return Atomics.load(this.sig, 0);
  }

  /** Swaps done / failed in detection stages since start (one per stage per reload). */
  get swaps(): { done: number; failed: number } {
    return { done: Atomics.load(this.sig, 1), failed: Atomics.load(this.sig, 2) };
  }

  /** Validate (load + compile) and, when good, signal every stage. Concurrent calls share one run. */
  reload(): Promise<ReloadResult> {
    if (this.busy) return this.busy;
    this.busy = Promise.resolve().then(() => this.run()).finally(() => { this.busy = null; });
    return this.busy;
  }

  private run(): ReloadResult {
    const t0 = performance.now();
    let rs: Ruleset;
    try {
      rs = loadDetectRuleset(this.settings, this.current ?? undefined);
    } catch (e) {
      return { ok: false, error: (e as Error).message, generation: this.generation, loaded: 0, skipped: 0, loadMs: performance.now() - t0, compileMs: 0 };
    }
    const loadMs = performance.now() - t0;
    const base = { loaded: rs.rules.length, skipped: rs.skipped.length, loadMs };
    if (rs.rules.length === 0 && rs.skipped.length > 0) {
      return { ok: false, error: `no rule of the new ruleset loads (${rs.skipped.length} skipped)`, generation: this.generation, ...base, compileMs: 0 };
    }
    const t1 = performance.now();
    try {
      const compiled = compileRuleset(rs, { cacheDir: this.settings.cacheDir ?? undefined });
      freeCompiled(compiled);
    } catch (e) {
      return { ok: false, error: `compile failed: ${(e as Error).message}`, generation: this.generation, ...base, compileMs: performance.now() - t1 };
    }
    const compileMs = performance.now() - t1;
    this.current = rs;
    const generation = Atomics.add(this.sig, 0, 1) + 1;
    return { ok: true, generation, ...base, compileMs };
  }
}

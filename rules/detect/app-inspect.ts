/**
 * Per-transaction inspection of app-layer rules (rules with `rule.app`, built by the sticky
 * buffer keywords in rules/keywords/app-buffer.ts), like Suricata's detect-engine-state:
 * when a transaction side completes (sensor/app), every rule of that protocol whose buffers
 * are all available is evaluated once for that side: header (protocol, addresses and ports
 * oriented by the transaction direction, flow direction), flowbits/flowints conditions,
 * app-layer-protocol / app-layer-event / numeric checks, then each buffer list with the
 * packet payload verifier (rules/detect/payload.ts) — a sticky buffer is just another byte
 * view. One alert per (rule, transaction).
 *
 * Rules that also have payload matches (content without a sticky buffer in an app rule,
 * 73 in ET Open) inspect them on the raw data of the transaction's direction — the
 * reassembled stream tail (rules/detect/stream-stage.ts) for TCP, the datagram for UDP — as
 * Suricata's tx inspection runs the stream engine (DetectEngineInspectStream) for them.
 *
 * Not here yet: a Vectorscan prefilter per buffer (rules are scanned linearly per
 * transaction side; see the bench numbers in sensor/app/NOTES.md).
 */
import { addrMatch, portMatch } from '../address.js';
import type { Rule } from '../types.js';
import type { AppList, AppRuleSpec } from '../keywords/app-buffer.js';
import { uintMatch } from '../keywords/uint.js';
import { transformBuffer } from '../keywords/transforms.js';
import { PayloadInspector } from './payload.js';
import type { FlowCtx } from './flow-ctx.js';
import { AppProto, TO_CLIENT, TO_SERVER, appProtoId, type AppTx } from '../../sensor/app/types.js';

/** The flow's endpoints as the flow table keeps them (client = initiator). */
export interface FlowEnds {
  ipVersion: number;
  /** IP protocol number. */
  proto: number;
  client: Uint32Array;
  server: Uint32Array;
  clientPort: number;
  serverPort: number;
  /** Detected app protocol of the flow (AppProto). */
  appProto: number;
}

export type AppAlertSink = (rule: Rule, tx: AppTx, dir: number) => void;

interface Plan {
  rule: Rule;
  app: AppRuleSpec;
  /** Sides this rule is evaluated at (bit set). */
  sides: number;
  /** Sides that must be complete before evaluation. */
  needs: number;
  /** App protocol required by header or buffers (AppProto), 0 = any. */
  proto: number;
}

export interface AppInspectCounters {
  txSides: number;
  ruleChecks: number;
  alerts: number;
  /** Rules with app buffers AND payload matches (evaluated against the raw stream / datagram). */
  withPayload: number;
}

function planOf(r: Rule): Plan | null {
  const app = r.app;
  if (!app) return null;
  let sides = 0, needs = 0;
  const fo = r.flow;
  const want = fo?.toServer ? TO_SERVER : fo?.toClient ? TO_CLIENT : TO_SERVER | TO_CLIENT;
  const single = (d: number): boolean => d === TO_SERVER || d === TO_CLIENT;
  for (const l of app.lists) if (single(l.dirs)) needs |= l.dirs;
  for (const n of app.nums) if (single(n.dirs)) needs |= n.dirs;
  if (needs & TO_CLIENT) sides = TO_CLIENT;
  else if (needs & TO_SERVER) sides = TO_SERVER;
  else sides = want;
  if (!(sides & want) && !r.bidirectional) sides = 0;
  const hp = r.proto.app ? appProtoId(r.proto.app) : 0;
  if (hp < 0) return null;
  if (hp && app.proto && hp !== app.proto) return null;
  return { rule: r, app, sides, needs, proto: hp || app.proto };
}

export class AppInspector {
  readonly counters: AppInspectCounters = { txSides: 0, ruleChecks: 0, alerts: 0, withPayload: 0 };
  /** Raw bytes of the direction being inspected (set by the caller per inspect): data[0..rawLen). */
  raw: Uint8Array | null = null;
  rawLen = 0;
  /** Plans per AppProto (index), plus plans for any protocol at index 0. */
  private readonly byProto: Plan[][] = [[], [], [], [], [], []];
  private readonly payload = new PayloadInspector();
  private readonly alerted = new WeakMap<AppTx, Set<number>>();

  constructor(rules: readonly Rule[], private readonly sink: AppAlertSink) {
    for (const r of rules) {
      const p = planOf(r);
      if (!p) continue;
      if (r.payload.length) this.counters.withPayload++;
      this.byProto[p.proto].push(p);
    }
  }

  /** Number of rules this inspector evaluates. */
  get size(): number {
    return this.byProto.reduce((n, a) => n + a.length, 0);
  }

  /** A transaction side completed: evaluate the rules of its protocol. */
  inspect(tx: AppTx, dir: number, ends: FlowEnds, f: FlowCtx | null, tsUs: number): void {
    this.counters.txSides++;
    this.run(this.byProto[tx.proto], tx, dir, ends, f, tsUs);
    this.run(this.byProto[0], tx, dir, ends, f, tsUs);
  }

  private run(plans: Plan[], tx: AppTx, dir: number, ends: FlowEnds, f: FlowCtx | null, tsUs: number): void {
    for (let i = 0; i < plans.length; i++) {
      const pl = plans[i];
      if ((pl.sides & dir) === 0) continue;
      if ((tx.progress & pl.needs) !== pl.needs) continue;
      let done = this.alerted.get(tx);
      if (done !== undefined && done.has(pl.rule.index)) continue;
      this.counters.ruleChecks++;
      if (!this.match(pl, tx, dir, ends, f, tsUs)) continue;
      if (done === undefined) { done = new Set(); this.alerted.set(tx, done); }
      done.add(pl.rule.index);
      this.effects(pl.rule, f);
      if (pl.rule.noalert) continue;
      this.counters.alerts++;
      this.sink(pl.rule, tx, dir);
    }
  }

  match(pl: Plan, tx: AppTx, dir: number, e: FlowEnds, f: FlowCtx | null, tsUs: number): boolean {
    const r = pl.rule;
    if (r.proto.ipProto >= 0 && r.proto.ipProto !== e.proto) return false;
    const ts = dir === TO_SERVER;
    const src = ts ? e.client : e.server, dst = ts ? e.server : e.client;
    const sp = ts ? e.clientPort : e.serverPort, dp = ts ? e.serverPort : e.clientPort;
    if (!(addrMatch(r.src, e.ipVersion, src) && addrMatch(r.dst, e.ipVersion, dst) && portMatch(r.sport, sp) && portMatch(r.dport, dp))) {
      if (!r.bidirectional) return false;
      if (!(addrMatch(r.src, e.ipVersion, dst) && addrMatch(r.dst, e.ipVersion, src) && portMatch(r.sport, dp) && portMatch(r.dport, sp))) return false;
    }
    const fo = r.flow;
    if (fo) {
      if (fo.toServer && !ts && !r.bidirectional) return false;
      if (fo.toClient && ts && !r.bidirectional) return false;
      if (fo.onlyStream || fo.noStream) { /* transactions come from the stream */ }
    }
    if (!flowConditions(r, f, tsUs)) return false;
    const a = pl.app;
    for (const c of a.protos) {
      const is = c.proto === AppProto.FAILED ? e.appProto === AppProto.FAILED : e.appProto === c.proto;
      if (is === c.negated) return false;
    }
    for (const ev of a.events) if (!tx.events.includes(ev)) return false;
    for (const n of a.nums) {
      const d = n.dirs === (TO_SERVER | TO_CLIENT) ? dir : n.dirs;
      let ok = false;
      for (let i = 0; i < 64; i++) {
        const v = (tx.num as (name: string, i: number, dir: number) => number)(n.name, i, d);
        if (Number.isNaN(v)) break;
        if (uintMatch(n.check, v)) { ok = true; break; }
      }
      if (!ok) return false;
    }
    for (const l of a.lists) if (!this.list(l, tx, dir)) return false;
    if (r.payload.length) {
      if (this.raw === null || this.rawLen === 0) return false;
      if (!this.payload.inspect(r.payload, this.raw, 0, this.rawLen)) return false;
    }
    return true;
  }

  private list(l: AppList, tx: AppTx, dir: number): boolean {
    const d = l.dirs === (TO_SERVER | TO_CLIENT) ? dir : l.dirs;
    const get = tx.buffer as (id: number, i: number, dir: number) => Uint8Array | null;
    for (let i = 0; ; i++) {
      let b = get.call(tx, l.buffer, i, d);
      if (b === null) return false;
      if (l.transforms.length) b = this.transform(l, b);
      if ((l.bsize === null || uintMatch(l.bsize, b.length))
        && (l.matches.length === 0 || this.payload.inspect(l.matches, b, 0, b.length))) return true;
      if (!l.multi) return false;
    }
  }

  private transform(l: AppList, b: Uint8Array): Uint8Array {
    // Per transaction side, only for rules with transforms: a copy per transform.
    for (const t of l.transforms) b = transformBuffer(t, b);
    return b;
  }

  private effects(r: Rule, f: FlowCtx | null): void {
    if (!f) return;
    for (const op of r.flowbits) {
      const b = op.bits[0];
      if (op.cmd === 'set' || op.cmd === 'setx') { f.bits[b] = 1; f.bitExpire[b] = 0; }
      else if (op.cmd === 'unset') f.bits[b] = 0;
      else if (op.cmd === 'toggle') f.bits[b] ^= 1;
    }
    for (const op of r.flowints) {
      const x = op.valueSlot >= 0 ? f.ints[op.valueSlot] : op.value;
      if (op.cmd === '=') { f.ints[op.slot] = x; f.intSet[op.slot] = 1; }
      else if (op.cmd === '+') { if (f.intSet[op.slot]) f.ints[op.slot] += x; else { f.ints[op.slot] = x; f.intSet[op.slot] = 1; } }
      else if (op.cmd === '-') { if (f.intSet[op.slot]) f.ints[op.slot] -= x; }
    }
  }
}

/** flowbits isset/isnotset and flowint comparisons (same semantics as detect/engine.ts). */
function flowConditions(r: Rule, f: FlowCtx | null, ts: number): boolean {
  for (const op of r.flowbits) {
    if (op.cmd !== 'isset' && op.cmd !== 'isnotset') continue;
    const want = op.cmd === 'isset';
    let ok = !op.any;
    for (const b of op.bits) {
      let set = f !== null && f.bits[b] === 1;
      if (set && f!.bitExpire[b] !== 0 && ts > f!.bitExpire[b]) set = false;
      const hit = set === want;
      if (op.any) { if (hit) { ok = true; break; } } else if (!hit) { ok = false; break; }
    }
    if (!ok) return false;
  }
  for (const op of r.flowints) {
    const isSet = f !== null && f.intSet[op.slot] === 1;
    if (op.cmd === 'isset') { if (!isSet) return false; continue; }
    if (op.cmd === 'notset' || op.cmd === 'isnotset') { if (isSet) return false; continue; }
    if (op.cmd === '=' || op.cmd === '+' || op.cmd === '-') continue;
    if (!isSet) return false;
    const v = f!.ints[op.slot];
    let x = op.value;
    if (op.valueSlot >= 0) { if (f!.intSet[op.valueSlot] !== 1) return false; x = f!.ints[op.valueSlot]; }
    const ok = op.cmd === '==' ? v === x : op.cmd === '!=' ? v !== x : op.cmd === '<' ? v < x
      : op.cmd === '<=' ? v <= x : op.cmd === '>' ? v > x : v >= x;
    if (!ok) return false;
  }
  return true;
}

/**
 * Parses a rule with an app-layer protocol in its header while rules/parser.ts still
 * rejects those ("needs-app-layer-protocol"): the header protocol is parsed as its
 * transport and the app protocol restored on the result. Used by tests and the bench to
 * measure what loads once the parser accepts http/dns/tls/ssh headers.
 */
export const APP_HEADER = /^(\s*\S+\s+)(http1?|dns|tls|ssl|ssh)(\s)/i;
export function appHeaderTransport(app: string): { name: string; ipProto: number } {
  const a = app.toLowerCase();
  return a === 'dns' ? { name: 'ip', ipProto: -1 } : { name: 'tcp', ipProto: 6 };
}

/**
 * The detection engine a worker calls per packet: prefilter (one Vectorscan scan of the
 * payload for the packet's (protocol, direction) group), then per candidate rule the cheap
 * checks first (protocol, addresses, ports, flow, header keywords, flowbits), the payload
 * verification last; then flowbits/flowint updates, thresholds, pass/action order, alert.
 * Candidates are deduplicated with a per-rule stamp array (no Set, no allocation).
 */
import { BatchScanner, HsScratch } from '../../native/vectorscan.js';
import { addrMatch, portMatch } from '../address.js';
import { protoGroup, type CompiledRuleset } from '../compiler.js';
import type { Rule } from '../types.js';
import { FlowCtx } from './flow-ctx.js';
import type { PacketView } from './packet-view.js';
import { PayloadInspector } from './payload.js';
import { ThresholdTable } from './threshold.js';

export type AlertSink = (rule: Rule, p: PacketView, f: FlowCtx | null) => void;

export interface DetectCounters {
  packets: number;
  prefilterScans: number;
  candidates: number;
  ruleChecks: number;
  alerts: number;
  suppressed: number;
}

/** action-order default: pass, drop, reject, alert (Suricata's default). */
const ACTION_RANK: Record<string, number> = { pass: 0, drop: 1, reject: 2, rejectsrc: 2, rejectdst: 2, rejectboth: 2, alert: 3 };

export class Detector {
  readonly counters: DetectCounters = { packets: 0, prefilterScans: 0, candidates: 0, ruleChecks: 0, alerts: 0, suppressed: 0 };
  /** Per-rule cost in ns (sum) and checks, for rule profiling (bench/rules.ts prints the top 20). */
  readonly profileNs: Float64Array;
  readonly profileChecks: Float64Array;
  profiling = false;
  private readonly scratch = new HsScratch();
  private readonly scanner = new BatchScanner(1, 4096);
  private readonly stamp: Uint32Array;
  private stampGen = 1;
  private readonly cand: Int32Array;
  private readonly payload = new PayloadInspector();
  private readonly thresholds = new ThresholdTable();
  /** Rule evaluation order: action order, then load order. */
  private readonly rank: Int32Array;
  readonly generation: number;
  private static gen = 0;

  constructor(readonly compiled: CompiledRuleset, private readonly sink: AlertSink) {
    for (const g of compiled.groups) if (g.db) this.scratch.grow(g.db);
    const n = compiled.rules.length;
    this.stamp = new Uint32Array(n);
    this.cand = new Int32Array(n);
    this.profileNs = new Float64Array(n);
    this.profileChecks = new Float64Array(n);
    const order = compiled.rules.map((r) => r.index).sort((a, b) =>
      (ACTION_RANK[compiled.rules[a].action] - ACTION_RANK[compiled.rules[b].action]) || a - b);
    this.rank = new Int32Array(n);
    order.forEach((ri, pos) => { this.rank[ri] = pos; });
    this.generation = ++Detector.gen;
  }

  /** Inspects one packet's header and payload. `f` is null for packets without a flow. */
  inspectPacket(p: PacketView, f: FlowCtx | null): void {
    if (p.ipVersion === 0) return;
    this.counters.packets++;
    const c = this.compiled;
    if (f) f.ensure(c.ruleset.ctx.flowbits.size, c.ruleset.ctx.flowints.size, this.generation);
    const g = c.groups[protoGroup(p.proto) * 2 + (f && !f.toServer ? 1 : 0)];
    let n = 0;
    const gen = this.nextGen();
    for (let i = 0; i < g.always.length; i++) { const r = g.always[i]; this.stamp[r] = gen; this.cand[n++] = r; }
    if (g.db && p.payLen > 0) {
      const s = this.scanner;
      s.off[0] = p.payOff; s.len[0] = p.payLen; s.tag[0] = 0;
      this.counters.prefilterScans++;
      const m = s.scan(g.db, this.scratch, p.data, 1);
      for (let i = 0; i < m; i++) {
        const rs = g.patternRules[s.matchId[i]];
        for (let k = 0; k < rs.length; k++) {
          const r = rs[k];
          if (this.stamp[r] !== gen) { this.stamp[r] = gen; this.cand[n++] = r; }
        }
      }
    }
    this.counters.candidates += n;
    // Evaluate in action order (pass first) so a matching pass rule suppresses the rest.
    const cand = this.cand.subarray(0, n);
    const rank = this.rank;
    cand.sort((a, b) => rank[a] - rank[b]);
    for (let i = 0; i < n; i++) {
      const r = c.rules[cand[i]];
      let t0 = 0;
      if (this.profiling) t0 = performance.now();
      this.counters.ruleChecks++;
      const hit = this.matchRule(r, p, f);
      if (this.profiling) { this.profileNs[r.index] += (performance.now() - t0) * 1e6; this.profileChecks[r.index]++; }
      if (!hit) continue;
      this.applyEffects(r, f);
      if (r.noalert) continue;
      if (!this.thresholds.allow(r, p, f)) { this.counters.suppressed++; continue; }
      this.counters.alerts++;
      this.sink(r, p, f);
      if (r.action === 'pass') return;
    }
  }

  private nextGen(): number {
    if (++this.stampGen === 0xffffffff) { this.stamp.fill(0); this.stampGen = 1; }
    return this.stampGen;
  }

  matchRule(r: Rule, p: PacketView, f: FlowCtx | null): boolean {
    const ip = r.proto.ipProto;
    if (ip >= 0 && ip !== p.proto && !(ip === 1 && p.proto === 58)) return false;
    const fwd = addrMatch(r.src, p.ipVersion, p.src) && addrMatch(r.dst, p.ipVersion, p.dst)
      && portMatch(r.sport, p.sport) && portMatch(r.dport, p.dport);
    if (!fwd) {
      if (!r.bidirectional) return false;
      if (!(addrMatch(r.src, p.ipVersion, p.dst) && addrMatch(r.dst, p.ipVersion, p.src)
        && portMatch(r.sport, p.dport) && portMatch(r.dport, p.sport))) return false;
    }
    const fo = r.flow;
    if (fo) {
      if (fo.established && !(f && f.established)) return false;
      if (fo.notEstablished && f && f.established) return false;
      if (fo.toServer && !(f ? f.toServer : true)) return false;
      if (fo.toClient && !(f ? !f.toServer : false)) return false;
      if (fo.onlyStream) return false; // packet path; stream rules come via inspectStream
      if (fo.onlyFrag && !p.isFragment) return false;
      if (fo.noFrag && p.isFragment) return false;
    }
    for (let i = 0; i < r.header.length; i++) if (!r.header[i].match(p, f)) return false;
    if (!this.flowConditions(r, f, p.tsUs)) return false;
    if (r.payload.length) {
      if (p.payLen === 0) return false;
      if (!this.payload.inspect(r.payload, p.data, p.payOff, p.payLen)) return false;
    }
    return true;
  }

  private flowConditions(r: Rule, f: FlowCtx | null, ts: number): boolean {
    for (let i = 0; i < r.flowbits.length; i++) {
      const op = r.flowbits[i];
      if (op.cmd !== 'isset' && op.cmd !== 'isnotset') continue;
      const want = op.cmd === 'isset';
      let ok = op.any ? false : true;
      for (let k = 0; k < op.bits.length; k++) {
        const b = op.bits[k];
        let set = f !== null && f.bits[b] === 1;
        if (set && f!.bitExpire[b] !== 0 && ts > f!.bitExpire[b]) set = false;
        const hit = set === want;
        if (op.any) { if (hit) { ok = true; break; } } else if (!hit) { ok = false; break; }
      }
      if (!ok) return false;
    }
    for (let i = 0; i < r.flowints.length; i++) {
      const op = r.flowints[i];
      const isSet = f !== null && f.intSet[op.slot] === 1;
      switch (op.cmd) {
        case 'isset': if (!isSet) return false; break;
        case 'notset': case 'isnotset': if (isSet) return false; break;
        case '==': case '!=': case '<': case '<=': case '>': case '>=': {
          if (!isSet) return false;
          const v = f!.ints[op.slot];
          let x = op.value;
          if (op.valueSlot >= 0) { if (f!.intSet[op.valueSlot] !== 1) return false; x = f!.ints[op.valueSlot]; }
          const ok = op.cmd === '==' ? v === x : op.cmd === '!=' ? v !== x : op.cmd === '<' ? v < x
            : op.cmd === '<=' ? v <= x : op.cmd === '>' ? v > x : v >= x;
          if (!ok) return false;
          break;
        }
        default: break;
      }
    }
    return true;
  }

  private applyEffects(r: Rule, f: FlowCtx | null): void {
    if (!f) return;
    for (let i = 0; i < r.flowbits.length; i++) {
      const op = r.flowbits[i];
      const b = op.bits[0];
      switch (op.cmd) {
        case 'set': f.bits[b] = 1; f.bitExpire[b] = 0; break;
        case 'setx': f.bits[b] = 1; f.bitExpire[b] = 0; break;
        case 'unset': f.bits[b] = 0; break;
        case 'toggle': f.bits[b] ^= 1; break;
        default: break;
      }
    }
    for (let i = 0; i < r.flowints.length; i++) {
      const op = r.flowints[i];
      const x = op.valueSlot >= 0 ? f.ints[op.valueSlot] : op.value;
      if (op.cmd === '=') { f.ints[op.slot] = x; f.intSet[op.slot] = 1; }
      else if (op.cmd === '+') { if (f.intSet[op.slot]) f.ints[op.slot] += x; else { f.ints[op.slot] = x; f.intSet[op.slot] = 1; } }
      else if (op.cmd === '-') { if (f.intSet[op.slot]) f.ints[op.slot] -= x; }
    }
  }

  free(): void {
    this.scratch.free();
  }
}

export { FlowCtx };

/**
 * The detection engine a worker calls per packet: prefilter (one Vectorscan scan of the
 * payload for the packet's (protocol, direction) group), then per candidate rule the cheap
 * checks first (protocol, addresses, ports, flow, header keywords, flowbits), the payload
 * verification last; then flowbits/flowint updates, thresholds, pass/action order, alert.
 * Candidates are deduplicated with a per-rule stamp array (no Set, no allocation).
 */
import { BatchScanner, HsScratch, TCP_CSUM_BAD } from '../../native/vectorscan.js';
import { addrMatch, inV4Set, portMatch, v4Set, type AddrExpr, type PortExpr } from '../address.js';
import { allGroups, portBitmap, protoGroup, type CompiledRuleset, type PortGroup } from '../compiler.js';
import { HdrBuf, type Rule } from '../types.js';
import { ChecksumValidator, tcpChecksumOk, tcpPseudoSum, type ChecksumMode } from './checksum.js';
import { FlowCtx, applyFlowEffects, flowConditions, requiredFlowbit } from './flow-ctx.js';
import type { PacketView } from './packet-view.js';
import { PayloadInspector } from './payload.js';
import { ThresholdTable } from './threshold.js';
import { THREAD_XBITS, type XbitsTable } from './xbits.js';
import { appProtoId } from '../../sensor/app/types.js';

export interface DetectorOptions {
  /** Suricata checksum-validation (default here: no; the CLI passes the setting, default auto). */
  checksumValidation?: ChecksumMode;
  /** Suricata action-order (default pass, drop, reject, alert). */
  actionOrder?: readonly string[];
  /** xbits/hostbits state (default: the worker thread's table, kept across reloads). */
  xbits?: XbitsTable;
}

/** IPv4 ranges an address expression requires (a necessary condition), or null when not v4-only. */
function v4Ranges(e: AddrExpr): number[] | null {
  if (e.k === 'v4') return [e.lo, e.hi];
  if (e.k !== 'list') return null;
  const out: number[] = [];
  if (e.v4) out.push(...e.v4);
  for (const x of e.pos) { if (x.k !== 'v4') return null; out.push(x.lo, x.hi); }
  return out.length ? out : null;
}

/**
 * IP-only rules indexed by the IPv4 ranges of their source (or destination): ET Open's
 * ~950 reputation rules each list ~100 addresses; testing every rule on the first packet
 * of each flow direction made ~35 candidate checks per packet on bench-1g. Intervals sorted
 * by start with a running max end; a query walks back from the last start <= ip.
 */
class RangeIndex {
  private readonly lo: Uint32Array;
  private readonly hi: Uint32Array;
  private readonly rule: Int32Array;
  private readonly maxHi: Float64Array;
  constructor(items: Array<[number, number, number]>) {
    items.sort((a, b) => a[0] - b[0]);
    this.lo = Uint32Array.from(items.map((x) => x[0]));
    this.hi = Uint32Array.from(items.map((x) => x[1]));
    this.rule = Int32Array.from(items.map((x) => x[2]));
    this.maxHi = new Float64Array(items.length);
    let m = -1;
    for (let i = 0; i < items.length; i++) { if (items[i][1] > m) m = items[i][1]; this.maxHi[i] = m; }
  }
  /** Adds rules whose ranges contain ip to cand (deduplicated by stamp); returns the new count. */
  query(ip: number, stamp: Uint32Array, gen: number, cand: Int32Array, n: number): number {
    let a = 0, b = this.lo.length - 1, last = -1;
    while (a <= b) { const m = (a + b) >> 1; if (this.lo[m] <= ip) { last = m; a = m + 1; } else b = m - 1; }
    for (let i = last; i >= 0 && this.maxHi[i] >= ip; i--) {
      if (this.hi[i] >= ip) { const r = this.rule[i]; if (stamp[r] !== gen) { stamp[r] = gen; cand[n++] = r; } }
    }
    return n;
  }
}

/**
 * Tail bytes the stream prefilter rescans in front of new data. A rule whose fast pattern
 * lies further back in the tail and whose remaining contents arrive only now is not a
 * candidate (known limitation; the verifier itself still sees the whole 2 KiB tail).
 */
export const STREAM_SCAN_OVERLAP = 256;

export type AlertSink = (rule: Rule, p: PacketView, f: FlowCtx | null) => void;

export interface DetectCounters {
  packets: number;
  /** Packets of flows a pass rule passed (not inspected). */
  passedFlow: number;
  /** Packets skipped for a bad TCP checksum (checksum-validation). */
  invalidChecksum: number;
  /** Packets a pass rule matched. */
  passed: number;
  prefilterScans: number;
  candidates: number;
  ruleChecks: number;
  alerts: number;
  suppressed: number;
  /** Reassembled chunks inspected / alerts raised on them (raw stream inspection). */
  streamChunks: number;
  streamAlerts: number;
}

/** action-order default: pass, drop, reject, alert (Suricata's default). */
const ACTION_RANK: Record<string, number> = { pass: 0, drop: 1, reject: 2, rejectsrc: 2, rejectdst: 2, rejectboth: 2, alert: 3 };

export class Detector {
  readonly counters: DetectCounters = { packets: 0, passedFlow: 0, invalidChecksum: 0, passed: 0, prefilterScans: 0, candidates: 0, ruleChecks: 0, alerts: 0, suppressed: 0, streamChunks: 0, streamAlerts: 0 };
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
  readonly thresholds = new ThresholdTable();
  readonly xbits: XbitsTable;
  /** Rule evaluation order: action order, then load order. */
  private readonly rank: Int32Array;
  readonly generation: number;
  /** Flowbit / flowint table sizes of this ruleset (FlowCtx.ensure). */
  private readonly nBits: number;
  private readonly nInts: number;
  private static gen = 0;

  private readonly checksums: ChecksumValidator;
  private readonly pktAlways: Int32Array[];
  private readonly ipOnly: Int32Array[];
  /** alwaysByFlags[group index][TCP flags byte]: pktAlways[group] filtered by their `flags` keyword. */
  private readonly alwaysByFlags: Int32Array[][] = [];
  /** Per group: IP-only rules indexed by source / destination IPv4 ranges (v4 packets only). */
  private readonly ipOnlySrc: RangeIndex[] = [];
  private readonly ipOnlyDst: RangeIndex[] = [];
  /** 1 when a pass match of the rule passes the whole flow (no packet-level keywords). */
  private readonly flowScope: Uint8Array;
  /** App protocol (AppProto) a rule's header requires of the flow, 0 = none. */
  private readonly appReq: Uint8Array;
  /** Per rule (×4): bounds of the source and destination ports it can match (full range when bidirectional). */
  private readonly portBounds: Int32Array;
  /** Per rule: the exact IPv4 sets of its source / destination expressions (address.ts v4Set). */
  private readonly srcV4: Uint32Array[];
  private readonly dstV4: Uint32Array[];
  /** Per rule: requiredFlowbit (a flowbit that must be set for it to match), or -1. */
  private readonly reqBit: Int32Array;

  constructor(readonly compiled: CompiledRuleset, private readonly sink: AlertSink, opts: DetectorOptions = {}) {
    this.checksums = new ChecksumValidator(opts.checksumValidation ?? 'no');
    this.xbits = opts.xbits ?? THREAD_XBITS;
    for (const g of allGroups(compiled)) if (g.db) this.scratch.grow(g.db);
    const n = compiled.rules.length;
    this.stamp = new Uint32Array(n);
    this.cand = new Int32Array(n);
    this.profileNs = new Float64Array(n);
    this.profileChecks = new Float64Array(n);
    const ar: Record<string, number> = { ...ACTION_RANK };
    if (opts.actionOrder) {
      opts.actionOrder.forEach((a, i) => { ar[a] = i; if (a === 'reject') ar.rejectsrc = ar.rejectdst = ar.rejectboth = i; });
    }
    const order = compiled.rules.map((r) => r.index).sort((a, b) =>
      (ar[compiled.rules[a].action] - ar[compiled.rules[b].action]) || a - b);
    this.rank = new Int32Array(n);
    order.forEach((ri, pos) => { this.rank[ri] = pos; });
    const sets = new Map<AddrExpr, Uint32Array>();
    const setOf = (e: AddrExpr): Uint32Array => { let x = sets.get(e); if (!x) { x = v4Set(e); sets.set(e, x); } return x; };
    this.srcV4 = compiled.rules.map((r) => setOf(r.src));
    this.dstV4 = compiled.rules.map((r) => setOf(r.dst));
    this.portBounds = new Int32Array(n * 4);
    // Bounds per port expression: ET Open's ~30,000 expression objects are ~220 distinct
    // expressions, so the 64 KiB bitmap is built per distinct text (per object it was 2 GB
    // of bitmaps and most of this constructor's 460 ms).
    const bounds = new Map<PortExpr, [number, number]>(), byText = new Map<string, [number, number]>();
    const boundOf = (e: PortExpr): [number, number] => {
      let x = bounds.get(e);
      if (!x) {
        const key = JSON.stringify(e);
        x = byText.get(key);
        if (!x) {
          const b = portBitmap(e);
          let lo = 0, hi = 65535;
          while (lo <= 65535 && b[lo] === 0) lo++;
          while (hi >= 0 && b[hi] === 0) hi--;
          x = lo > hi ? [1, 0] : [lo, hi];
          byText.set(key, x);
        }
        bounds.set(e, x);
      }
      return x;
    };
    for (const r of compiled.rules) {
      const k = r.index * 4;
      if (r.bidirectional) { this.portBounds.set([0, 65535, 0, 65535], k); continue; }
      const s = boundOf(r.sport), d = boundOf(r.dport);
      this.portBounds.set([s[0], s[1], d[0], d[1]], k);
    }
    this.reqBit = Int32Array.from(compiled.rules, requiredFlowbit);
    this.flowScope = new Uint8Array(n);
    this.appReq = new Uint8Array(n);
    for (const r of compiled.rules) if (r.proto.app) this.appReq[r.index] = Math.max(0, appProtoId(r.proto.app));
    for (const r of compiled.rules) {
      this.flowScope[r.index] = r.payload.length === 0 && r.hdrBufs.length === 0 && r.header.length === 0 && r.decodeEvents.length === 0 ? 1 : 0;
    }
    // Split each group's prefilter-less rules into per-packet ones and IP-only ones (only
    // addresses, ports, protocol: no payload, header keyword, flow, flowbits or flowint).
    this.pktAlways = []; this.ipOnly = [];
    // Index 8/9: TCP packets the reassembler tracks (pktGroups), 10/11: the stream (streamGroups).
    for (const g of [...compiled.groups, ...compiled.pktGroups, ...compiled.streamGroups]) {
      const pk: number[] = [], io: number[] = [];
      for (const ri of g.always) {
        const r = compiled.rules[ri];
        // flowbits that only set/unset/toggle are post-match effects: still IP-only, as in
        // Suricata (817 of the 969 header-only ET Open tcp rules are reputation lists that set ET.Evil etc.).
        const condBits = r.flowbits.some((b) => b.cmd === 'isset' || b.cmd === 'isnotset');
        const isIpOnly = this.flowScope[ri] === 1 && r.flow === null && !condBits && r.flowints.length === 0
          && r.action !== 'pass' && r.proto.name !== 'pkthdr' && this.appReq[ri] === 0;
        (isIpOnly ? io : pk).push(ri);
      }
      const rest: number[] = [], bySrc: Array<[number, number, number]> = [], byDst: Array<[number, number, number]> = [];
      for (const ri of io) {
        const r = compiled.rules[ri];
        const sr = r.bidirectional ? null : v4Ranges(r.src), dr = r.bidirectional ? null : v4Ranges(r.dst);
        if (sr) for (let k = 0; k < sr.length; k += 2) bySrc.push([sr[k], sr[k + 1], ri]);
        else if (dr) for (let k = 0; k < dr.length; k += 2) byDst.push([dr[k], dr[k + 1], ri]);
        else rest.push(ri);
      }
      this.pktAlways.push(Int32Array.from(pk)); this.ipOnly.push(Int32Array.from(rest));
      // Per TCP flags byte: the prefilter-less rules whose `flags` accept it (rules without
      // `flags` are in every bucket). 18 of the 22 such ET Open to-server rules test flags
      // (SCAN rules, flags:S), and they were ~11 of the 12 candidates per packet.
      const byFlags: Int32Array[] = [];
      for (let fb = 0; fb < 256; fb++) {
        byFlags.push(Int32Array.from(pk.filter((ri) => compiled.rules[ri].header.every((h) => h.tcpFlags === undefined || h.tcpFlags(fb)))));
      }
      this.alwaysByFlags.push(byFlags);
      this.ipOnlySrc.push(new RangeIndex(bySrc)); this.ipOnlyDst.push(new RangeIndex(byDst));
    }
    this.generation = ++Detector.gen;
    this.nBits = compiled.ruleset.ctx.flowbits.size;
    this.nInts = compiled.ruleset.ctx.flowints.size;
  }

  /** Inspects one packet's header and payload. `f` is null for packets without a flow. */
  inspectPacket(p: PacketView, f: FlowCtx | null): void {
    // Packets without IP are inspected only when they carry decode events (pkthdr rules).
    if (p.ipVersion === 0 && p.eventCount === 0) return;
    if (f !== null && f.passed) { this.counters.passedFlow++; return; }
    // Port group of the payload prefilter (depends on the packet and flow direction only).
    const gi = protoGroup(p.proto) * 2 + (f && !f.toServer ? 1 : 0);
    // Payload rules of a stream the reassembler tracks are matched on the stream
    // (inspectStream); this packet gets the packet-only rules (Suricata: a PKT_STREAM_ADD
    // packet skips packet payload inspection of SIG_FLAG_REQUIRE_STREAM rules).
    const tracked = f !== null && f.streamTracked && p.proto === 6;
    // Group index: 0..7 by protocol and direction, 8/9 for TCP packets the reassembler tracks.
    const ai = tracked ? 8 + (gi & 1) : gi;
    const g = this.portGroup(ai, p);
    // TCP checksum: for a segment with payload the shim checks it and runs the prefilter in
    // the same FFI call (`pre` = its match count); other segments are checked here.
    let pre = -1;
    if (this.checksums.wants(p)) {
      let ok: boolean;
      const pseudo = p.payLen > 0 ? tcpPseudoSum(p) : -1;
      const a = g.common, b = g.specific;
      const db1 = a.db !== null ? a.db : b !== null ? b.db : null;
      if (pseudo >= 0 && db1 !== null) {
        const db2 = a.db !== null && b !== null ? b.db : null;
        this.counters.prefilterScans++;
        pre = this.scanner.tcpScan(db1, db2, this.scratch, p.data, p.l4Off, p.payOff + p.payLen - p.l4Off, pseudo, p.payOff, p.payLen);
        ok = pre !== TCP_CSUM_BAD;
      } else {
        ok = tcpChecksumOk(p);
      }
      if (!this.checksums.record(ok)) { this.counters.invalidChecksum++; return; }
    }
    this.counters.packets++;
    const c = this.compiled;
    if (f !== null && f.generation !== this.generation) f.ensure(this.nBits, this.nInts, this.generation);
    let n = 0;
    const gen = this.nextGen();
    const stamp = this.stamp, cand = this.cand;
    const always = p.proto === 6 ? this.alwaysByFlags[ai][p.tcpFlags & 0xff] : this.pktAlways[ai];
    // Port bounds first (a typed-array test instead of a matchRule call: header-only rules on
    // one server port, e.g. `-> 202.114.4.119 [515:520]`, were checked on every packet).
    const sp = p.sport, dp = p.dport, pb = this.portBounds;
    for (let i = 0; i < always.length; i++) {
      const r = always[i], k = r * 4;
      if (sp < pb[k] || sp > pb[k + 1] || dp < pb[k + 2] || dp > pb[k + 3]) continue;
      stamp[r] = gen; cand[n++] = r;
    }
    // IP-only rules: once per flow direction (the first packet each way), every time for
    // packets without a flow — Suricata's IP-only engine semantics. ET Open has ~780 such
    // rules per TCP packet; evaluating them per packet cost 165 µs/packet (bench/rules.ts).
    let ipOnly = f === null;
    if (f !== null) {
      const bit = f.toServer ? 1 : 2;
      if ((f.ipOnlyDone & bit) === 0 || f.ipOnlyGen !== this.generation) {
        if (f.ipOnlyGen !== this.generation) { f.ipOnlyGen = this.generation; f.ipOnlyDone = 0; }
        f.ipOnlyDone |= bit;
        ipOnly = true;
      }
    }
    if (ipOnly) {
      const io = this.ipOnly[ai];
      for (let i = 0; i < io.length; i++) { const r = io[i]; stamp[r] = gen; cand[n++] = r; }
      // Only IPv4 packets can match v4-range rules.
      if (p.ipVersion === 4) {
        n = this.ipOnlySrc[ai].query(p.src[3], stamp, gen, cand, n);
        n = this.ipOnlyDst[ai].query(p.dst[3], stamp, gen, cand, n);
      }
    }
    if (pre >= 0) n = this.collect(g, pre, gen, n);
    else if (p.payLen > 0) n = this.prefilter(g, p.data, p.payOff, p.payLen, gen, n);
    this.counters.candidates += n;
    this.sortByRank(n);
    const prof = this.profiling, req = this.reqBit;
    for (let i = 0; i < n; i++) {
      const ri = cand[i], rb = req[ri];
      if (rb >= 0 && (f === null || !f.bit(rb))) continue;
      const r = c.rules[ri];
      let t0 = 0;
      if (prof) t0 = performance.now();
      this.counters.ruleChecks++;
      const hit = this.matchRule(r, p, f);
      if (prof) { this.profileNs[r.index] += (performance.now() - t0) * 1e6; this.profileChecks[r.index]++; }
      if (!hit) continue;
      applyFlowEffects(r, f, p.tsUs);
      if (r.xbits !== undefined) this.xbits.apply(r.xbits, p.src, p.dst, p.tsUs);
      if (r.action === 'pass') {
        // A pass match is not logged and ends inspection of this packet; for rules without
        // packet-level keywords (IP-only like) it passes the whole flow, as Suricata applies
        // the action of IP-only/stream/app-layer pass rules to the flow.
        if (f !== null && this.flowScope[r.index] === 1) f.passed = true;
        this.counters.passed++;
        return;
      }
      if (r.noalert) continue;
      if (!this.thresholds.allow(r, p, f)) { this.counters.suppressed++; continue; }
      this.counters.alerts++;
      this.sink(r, p, f);
    }
  }

  /** True while inspectStream runs (matchRule: only_stream allowed, no_stream refused). */
  private streamMode = false;

  /**
   * One prefilter call over data[off, off+len) for a port group (its common database, and its
   * port-specific one in the same FFI call): adds each matched rule once (stamp) to cand[n..].
   */
  private prefilter(pg: PortGroup, data: Uint8Array, off: number, len: number, gen: number, n: number): number {
    const s = this.scanner;
    const a = pg.common, b = pg.specific;
    s.off[0] = off; s.len[0] = len; s.tag[0] = 0;
    this.counters.prefilterScans++;
    let m: number;
    if (a.db !== null && b !== null && b.db !== null) m = s.scan2(a.db, b.db, this.scratch, data, 1);
    else if (a.db !== null) m = s.scan(a.db, this.scratch, data, 1);
    else if (b !== null && b.db !== null) m = s.scan(b.db, this.scratch, data, 1);
    else return n;
    return this.collect(pg, m, gen, n);
  }

  /** Adds the rules of the scanner's m matches (a prefilter of port group pg) to cand[n..]. */
  private collect(pg: PortGroup, m: number, gen: number, n: number): number {
    const s = this.scanner, stamp = this.stamp, cand = this.cand;
    const a = pg.common, b = pg.specific;
    // Matches of the specific database have bit 31 of the tag set (scan2); with one database
    // scanned the tag is 0 and `single` says which one it was.
    const single = a.db !== null ? a : b!;
    for (let i = 0; i < m; i++) {
      const g = s.matchTag[i] === 0 ? single : b!;
      const rs = g.patternRules[s.matchId[i]];
      for (let k = 0; k < rs.length; k++) {
        const r = rs[k];
        if (stamp[r] !== gen) { stamp[r] = gen; cand[n++] = r; }
      }
    }
    return n;
  }

  /**
   * Evaluate in action order (pass first) so a matching pass rule suppresses the rest.
   * Insertion sort in place: candidates are few and mostly in order already; a subarray +
   * sort per packet allocated and cost ~0.4 µs (measured in bench/rules.ts).
   */
  private sortByRank(n: number): void {
    const cand = this.cand, rank = this.rank;
    for (let i = 1; i < n; i++) {
      const x = cand[i], rx = rank[x];
      let j = i - 1;
      while (j >= 0 && rank[cand[j]] > rx) { cand[j + 1] = cand[j]; j--; }
      cand[j + 1] = x;
    }
  }

  /**
   * Raw stream inspection (Suricata's stream payload inspection): `p` is a view of
   * reassembled bytes of one direction — `tail` bytes already inspected (kept so a pattern
   * split across segments is seen whole) followed by the new data. A rule that also matches
   * the tail alone matched before, so every match is reported once. Returns alerts raised.
   */
  inspectStream(p: PacketView, f: FlowCtx, tail: number, streamStart = 0): void {
    if (f.passed) return;
    const c = this.compiled;
    if (f.generation !== this.generation) f.ensure(this.nBits, this.nInts, this.generation);
    this.counters.streamChunks++;
    const dir = f.toServer ? 0 : 1;
    const gen = this.nextGen();
    const stamp = this.stamp, cand = this.cand;
    let n = 0;
    const always = this.pktAlways[10 + dir];
    for (let i = 0; i < always.length; i++) { const r = always[i]; stamp[r] = gen; cand[n++] = r; }
    const g = this.portGroup(10 + dir, p);
    if (p.payLen > 0) {
      // Prefilter only the new bytes and the last STREAM_SCAN_OVERLAP tail bytes (a fast
      // pattern straddling the chunk boundary): rescanning the whole 2 KiB tail with every
      // chunk doubled the scanned bytes (scan was 23% of the profile on bench-1g).
      const from = tail > STREAM_SCAN_OVERLAP ? tail - STREAM_SCAN_OVERLAP : 0;
      n = this.prefilter(g, p.data, p.payOff + from, p.payLen - from, gen, n);
    }
    this.counters.candidates += n;
    this.sortByRank(n);
    this.streamMode = true;
    this.payload.streamStart = streamStart;
    const req = this.reqBit;
    try {
      for (let i = 0; i < n; i++) {
        const ri = cand[i], rb = req[ri];
        if (rb >= 0 && !f.bit(rb)) continue;
        const r = c.rules[ri];
        this.counters.ruleChecks++;
        if (!this.matchRule(r, p, f)) continue;
        if (tail > 0) {
          // Matched in the bytes inspected before: already reported then.
          const len = p.payLen;
          p.payLen = tail;
          const old = this.payload.inspect(r.payload, p.data, p.payOff, tail);
          p.payLen = len;
          if (old) continue;
        }
        applyFlowEffects(r, f, p.tsUs);
        if (r.xbits !== undefined) this.xbits.apply(r.xbits, p.src, p.dst, p.tsUs);
        if (r.action === 'pass') { f.passed = true; this.counters.passed++; return; }
        if (r.noalert) continue;
        if (!this.thresholds.allow(r, p, f)) { this.counters.suppressed++; continue; }
        this.counters.alerts++;
        this.counters.streamAlerts++;
        this.sink(r, p, f);
      }
    } finally {
      this.streamMode = false;
      this.payload.streamStart = 0;
    }
  }

  /** The prefilter group of group index k for this packet: its port group (compiler.ts byPort) by the server-side port. */
  private portGroup(k: number, p: PacketView): PortGroup {
    const c = this.compiled;
    const pc = p.proto === 6 ? c.portClass[0] : p.proto === 17 ? c.portClass[1] : null;
    return c.byPort[k][pc === null ? 0 : pc[(k & 1) === 0 ? p.dport : p.sport]];
  }

  private nextGen(): number {
    if (++this.stampGen === 0xffffffff) { this.stamp.fill(0); this.stampGen = 1; }
    return this.stampGen;
  }

  matchRule(r: Rule, p: PacketView, f: FlowCtx | null): boolean {
    const ip = r.proto.ipProto;
    if (ip >= 0 && ip !== p.proto && !(ip === 1 && p.proto === 58)) return false;
    if (r.proto.streamOnly && !this.streamMode) return false;
    // `alert http ...` without sticky buffers: a packet rule for flows of that protocol
    // (Suricata's app-layer-protocol signature type), after the protocol was detected.
    const ar = this.appReq[r.index];
    if (ar !== 0 && (f === null || f.appProto !== ar)) return false;
    if (!r.bidirectional) {
      // Cheap, selective checks before the address lists: ports, then header keywords
      // (flags:S ...). The costliest rules of the bench profile were header-only SCAN
      // rules spending 150-680 ns per check in $HOME_NET/$EXTERNAL_NET list matching.
      if (!portMatch(r.sport, p.sport) || !portMatch(r.dport, p.dport)) return false;
      for (let i = 0; i < r.header.length; i++) if (!r.header[i].match(p, f)) return false;
    }
    // IPv4: one binary search per address in the rule's exact v4 sets (address.ts v4Set).
    const v4 = p.ipVersion === 4;
    const sv = this.srcV4[r.index], dv = this.dstV4[r.index];
    const fwd = (v4 ? inV4Set(sv, p.src[3]) && inV4Set(dv, p.dst[3]) : addrMatch(r.src, p.ipVersion, p.src) && addrMatch(r.dst, p.ipVersion, p.dst))
      && portMatch(r.sport, p.sport) && portMatch(r.dport, p.dport);
    if (!fwd) {
      if (!r.bidirectional) return false;
      if (!((v4 ? inV4Set(sv, p.dst[3]) && inV4Set(dv, p.src[3]) : addrMatch(r.src, p.ipVersion, p.dst) && addrMatch(r.dst, p.ipVersion, p.src))
        && portMatch(r.sport, p.dport) && portMatch(r.dport, p.sport))) return false;
    }
    const fo = r.flow;
    if (fo) {
      if (fo.established && !(f && f.established)) return false;
      if (fo.notEstablished && f && f.established) return false;
      if (fo.toServer && !(f ? f.toServer : true)) return false;
      if (fo.toClient && !(f ? !f.toServer : false)) return false;
      if (fo.onlyStream && !this.streamMode) return false; // packet path; stream rules come via inspectStream
      if (fo.noStream && this.streamMode) return false;
      if (fo.onlyFrag && !p.isFragment) return false;
      if (fo.noFrag && p.isFragment) return false;
    }
    if (p.ipVersion === 0 && r.proto.name !== 'pkthdr') return false;
    for (let i = 0; i < r.decodeEvents.length; i++) {
      const e = r.decodeEvents[i];
      let k = 0;
      while (k < p.eventCount && p.events[k] !== e) k++;
      if (k === p.eventCount) return false;
    }
    if (r.bidirectional) for (let i = 0; i < r.header.length; i++) if (!r.header[i].match(p, f)) return false;
    if (!flowConditions(r, f, p.tsUs)) return false;
    if (r.xbits !== undefined && !this.xbits.check(r.xbits, p.src, p.dst, p.tsUs)) return false;
    if (r.payload.length) {
      if (p.payLen === 0) return false;
      if (!this.payload.inspect(r.payload, p.data, p.payOff, p.payLen)) return false;
    }
    for (let i = 0; i < r.hdrBufs.length; i++) {
      const h = r.hdrBufs[i];
      if (!this.headerBuffer(h.buf, p)) return false;
      if (!this.payload.inspect(h.matches, p.data, this.hbOff, this.hbLen)) return false;
    }
    return true;
  }

  private hbOff = 0;
  private hbLen = 0;

  /** Sets hbOff/hbLen to the header buffer of the packet; false when it has none. */
  private headerBuffer(b: HdrBuf, p: PacketView): boolean {
    switch (b) {
      case HdrBuf.IPV4: case HdrBuf.IPV6:
        if (p.ipVersion !== (b === HdrBuf.IPV4 ? 4 : 6) || p.l3Off < 0) return false;
        this.hbOff = p.l3Off; this.hbLen = p.ipHdrLen; break;
      case HdrBuf.TCP: case HdrBuf.UDP:
        if (p.proto !== (b === HdrBuf.TCP ? 6 : 17) || p.l4Off < 0) return false;
        this.hbOff = p.l4Off; this.hbLen = p.l4HdrLen; break;
      case HdrBuf.ICMPV4: case HdrBuf.ICMPV6:
        if (p.proto !== (b === HdrBuf.ICMPV4 ? 1 : 58) || p.l4Off < 0) return false;
        // The ICMP header incl. its 4 type-specific bytes (as Suricata's icmpv*.hdr).
        this.hbOff = p.l4Off; this.hbLen = Math.max(p.l4HdrLen, Math.min(8, p.data.length - p.l4Off)); break;
    }
    if (this.hbOff + this.hbLen > p.data.length) this.hbLen = p.data.length - this.hbOff;
    return this.hbLen > 0;
  }

  free(): void {
    this.scratch.free();
  }
}

export { FlowCtx };

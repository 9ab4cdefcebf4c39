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
 * Prefilter: one Vectorscan database per (protocol, buffer) holding the fast pattern of
 * every rule whose best content lives in that buffer (Suricata's per-buffer MPM); a
 * transaction side scans each buffer it has once and evaluates only the rules whose pattern
 * occurred, plus the rules without a usable content. Measured on bench-1g with all ET Open
 * rules: a linear scan made ~2,100 rule checks per transaction side (0.02 Gbit/s).
 */
import { addrMatch, inV4Set, portMatch, v4Set, type AddrExpr } from '../address.js';
import type { Rule } from '../types.js';
import type { AppList, AppRuleSpec } from '../keywords/app-buffer.js';
import { uintMatch } from '../keywords/uint.js';
import { transformBuffer } from '../keywords/transforms.js';
import { PayloadInspector } from './payload.js';
import { applyFlowEffects, flowConditions, requiredFlowbit, type FlowCtx } from './flow-ctx.js';
import { THREAD_XBITS, type XbitsTable } from './xbits.js';
import { APP_PROTO_NAMES, AppProto, TO_CLIENT, TO_SERVER, appProtoId, type AppTx } from '../../sensor/app/types.js';
import { BatchScanner, HS_FLAG_CASELESS, HS_FLAG_SINGLEMATCH, HsDatabase, HsScratch, compileLiterals, type LiteralPattern } from '../../native/vectorscan.js';
import { patternStrength } from '../compiler.js';
import type { ContentMatch } from '../types.js';

/** A buffer of one protocol that holds fast patterns. */
interface BufGroup { buffer: number; dirs: number }

/**
 * Per protocol, one prefilter database per buffer group (buffer and direction), as
 * Suricata's per-buffer MPM: patterns[k] are group k's fast patterns, pattern id → its plans.
 * One database per protocol over every non-body buffer (a match counted only in its own
 * buffer) scanned each uri/header/cookie ... buffer against all HTTP patterns: ~44 matches
 * per transaction side, nearly all in another buffer's patterns, and 128 ms of app scanning
 * per 200 MB of bench-1g against 54 ms with a database per group (compile +60 ms).
 */
interface ProtoPrefilter { groups: BufGroup[]; dbs: Array<HsDatabase | null>; patPlans: Int32Array[][] }

/**
 * The fast pattern of an app rule: its best non-negated content in a list whose transforms
 * keep a pattern scannable on the raw buffer. dotprefix: a pattern found in "." + raw has
 * its tail (all but the first byte) in raw — 481 ET Open dns.query/tls.sni rules use it.
 */
function appFastPattern(a: AppRuleSpec): { list: AppList; c: ContentMatch; skip: number } | null {
  let best: { list: AppList; c: ContentMatch; skip: number } | null = null, bestS = -1;
  for (const l of a.lists) {
    if (l.transforms.some((t) => t !== 'dotprefix')) continue;
    const skip = l.transforms.length;
    for (const m of l.matches) {
      if (m.t !== 'content' || m.negated || m.bytes.length <= skip) continue;
      if (m.fastPattern && !skip) return { list: l, c: m, skip };
      const st = patternStrength(m.bytes.subarray(skip));
      if (st > bestS || (st === bestS && best && m.bytes.length > best.c.bytes.length)) { best = { list: l, c: m, skip }; bestS = st; }
    }
  }
  return best;
}

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
  /** Protocol detected per direction (Suricata alproto_ts / alproto_tc; sensor/app/layer.ts protoDir). */
  appProtoTs?: number;
  appProtoTc?: number;
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
  /** `alert http1`: not evaluated on HTTP/2 transactions. */
  h1: boolean;
  /** Exact IPv4 sets of the header's source / destination (address.ts v4Set). */
  srcV4: Uint32Array;
  dstV4: Uint32Array;
  /** flow-ctx.ts requiredFlowbit: a flowbit that must be set, or -1. */
  reqBit: number;
}

const v4Sets = new WeakMap<AddrExpr, Uint32Array>();
function v4SetOf(e: AddrExpr): Uint32Array {
  let x = v4Sets.get(e);
  if (!x) { x = v4Set(e); v4Sets.set(e, x); }
  return x;
}

export interface AppInspectCounters {
  txSides: number;
  ruleChecks: number;
  alerts: number;
  /** Prefilter FFI calls (one per transaction side). */
  scans: number;
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
  // `=>` (Suricata 8): one transaction, both directions; evaluated once the response side
  // completes, with the request side already there.
  if (r.txBoth) needs = TO_SERVER | TO_CLIENT;
  if (needs & TO_CLIENT) sides = TO_CLIENT;
  else if (needs & TO_SERVER) sides = TO_SERVER;
  else sides = want;
  if (!(sides & want) && !r.bidirectional) sides = 0;
  const hp = r.proto.app ? appProtoId(r.proto.app) : 0;
  if (hp < 0) return null;
  // `alert http2` with http.* buffers: an HTTP/2-only rule (http1 / http: both versions but http1 HTTP/1 only).
  if (hp && app.proto && hp !== app.proto && !(hp === AppProto.HTTP2 && app.proto === AppProto.HTTP)) return null;
  return { rule: r, app, sides, needs, proto: hp || app.proto, h1: r.proto.app === 'http1', srcV4: v4SetOf(r.src), dstV4: v4SetOf(r.dst), reqBit: requiredFlowbit(r) };
}

export class AppInspector {
  readonly counters: AppInspectCounters = { txSides: 0, ruleChecks: 0, alerts: 0, withPayload: 0, scans: 0 };
  /** Raw bytes of the direction being inspected (set by the caller per inspect): data[0..rawLen). */
  raw: Uint8Array | null = null;
  rawLen = 0;
  /** Set by the caller while re-inspecting a to-server side for events the response added. */
  again = false;
  /** Every plan; plan index = position here (rule load order). */
  private readonly plans: Plan[] = [];
  /** Per AppProto: plans without a prefilter pattern (incl. any-protocol plans). */
  private readonly always: Int32Array[] = [];
  /** Per AppProto: the prefilter database and its buffer groups. */
  private readonly pf: ProtoPrefilter[] = [];
  private readonly scratch = new HsScratch();
  private readonly scanner = new BatchScanner(256, 8192);
  /** Work array the buffers of a transaction side are copied into for the batch scan. */
  private work = new Uint8Array(64 * 1024);
  private readonly stamp: Uint32Array;
  private readonly cand: Int32Array;
  private gen = 0;
  private readonly payload = new PayloadInspector();

  /** xbits/hostbits: the packet's src is the client for a to-server side, else the server. */
  constructor(rules: readonly Rule[], private readonly sink: AppAlertSink, private readonly xbits: XbitsTable = THREAD_XBITS) {
    for (const r of rules) {
      const p = planOf(r);
      if (!p) continue;
      if (r.payload.length) this.counters.withPayload++;
      this.plans.push(p);
    }
    const n = this.plans.length;
    this.stamp = new Uint32Array(n);
    this.cand = new Int32Array(n);
    // Fast patterns grouped by (protocol, buffer); plans of protocol 0 are candidates everywhere.
    const anyProto: number[] = [];
    const perProto: Array<Map<string, { buffer: number; dirs: number; lits: LiteralPattern[]; ids: Map<string, number>; plans: number[][] }>> = [];
    const alwaysP: number[][] = [];
    for (let i = 0; i < APP_PROTO_NAMES.length; i++) { perProto.push(new Map()); alwaysP.push([]); }
    this.plans.forEach((pl, i) => {
      const fp = pl.proto === 0 ? null : appFastPattern(pl.app);
      if (pl.proto === 0) { anyProto.push(i); return; }
      if (!fp) { alwaysP[pl.proto].push(i); return; }
      const key = `${fp.list.buffer}:${fp.list.dirs}`;
      let g = perProto[pl.proto].get(key);
      if (!g) { g = { buffer: fp.list.buffer, dirs: fp.list.dirs, lits: [], ids: new Map(), plans: [] }; perProto[pl.proto].set(key, g); }
      const c = fp.c;
      const bytes = fp.skip ? c.bytes.subarray(fp.skip) : c.fpChopLen ? c.bytes.subarray(c.fpChopOff, c.fpChopOff + c.fpChopLen) : c.bytes;
      const lk = `${c.nocase ? 'i' : 'c'}:${Buffer.from(bytes).toString('hex')}`;
      let id = g.ids.get(lk);
      if (id === undefined) {
        id = g.lits.length;
        g.ids.set(lk, id);
        g.lits.push({ bytes, id, flags: HS_FLAG_SINGLEMATCH | (c.nocase ? HS_FLAG_CASELESS : 0) });
        g.plans.push([]);
      }
      g.plans[id].push(i);
    });
    for (let p = 0; p < APP_PROTO_NAMES.length; p++) {
      this.always.push(Int32Array.from([...alwaysP[p], ...anyProto].sort((a, b) => a - b)));
      const groups: BufGroup[] = [];
      const gl = [...perProto[p].values()];
      for (const g of gl) groups.push({ buffer: g.buffer, dirs: g.dirs });
      const dbs: Array<HsDatabase | null> = [], patPlans: Int32Array[][] = [];
      for (const g of gl) {
        const db = g.lits.length ? compileLiterals(g.lits) : null;
        if (db) this.scratch.grow(db);
        dbs.push(db);
        patPlans.push(g.plans.map((x) => Int32Array.from(x)));
      }
      this.pf.push({ groups, dbs, patPlans });
    }
  }

  /** Number of rules this inspector evaluates. */
  get size(): number {
    return this.plans.length;
  }

  /** Prefilter databases (count) and rules without a prefilter pattern, for stats/tests. */
  get prefilterInfo(): { databases: number; buffers: number; always: number } {
    return { databases: this.pf.reduce((n, x) => n + x.dbs.filter((d) => d !== null).length, 0), buffers: this.pf.reduce((n, x) => n + x.groups.length, 0), always: this.always.reduce((n, a) => n + a.length, 0) };
  }

  free(): void {
    for (const x of this.pf) for (const db of x.dbs) db?.free();
    this.scratch.free();
  }

  /** A transaction side completed: evaluate the rules of its protocol whose fast pattern occurs. */
  inspect(tx: AppTx, dir: number, ends: FlowEnds, f: FlowCtx | null, tsUs: number): void {
    this.counters.txSides++;
    const p = tx.proto;
    if (p >= this.always.length) return;
    if (++this.gen === 0xffffffff) { this.stamp.fill(0); this.gen = 1; }
    const gen = this.gen, stamp = this.stamp, cand = this.cand;
    let n = 0;
    // HTTP/2 transactions also run the HTTP rules: Suricata's http.* buffers and `alert http`
    // cover both versions (sensor/app/http2/tx.ts maps them).
    for (let q = p; q !== 0; q = q === AppProto.HTTP2 ? AppProto.HTTP : 0) {
      const al = this.always[q];
      for (let i = 0; i < al.length; i++) { const x = al[i]; if (stamp[x] !== gen) { stamp[x] = gen; cand[n++] = x; } }
      const get = tx.buffer as (id: number, i: number, dir: number) => Uint8Array | null;
      const pf = this.pf[q], sc = this.scanner, gs = pf.groups;
      for (let k = 0; k < gs.length; k++) {
        const db = pf.dbs[k];
        if (db === null) continue;
        const g = gs[k];
        const d = g.dirs === (TO_SERVER | TO_CLIENT) ? dir : g.dirs;
        if (d !== dir && (tx.progress & d) === 0) continue;
        let nb = 0, used = 0;
        for (let i = 0; i < 64 && nb < sc.maxBuffers; i++) {
          const b = get.call(tx, g.buffer, i, d);
          if (b === null) break;
          if (b.length === 0) continue;
          if (used + b.length > this.work.length) {
            const w = new Uint8Array(Math.max(this.work.length * 2, used + b.length));
            w.set(this.work.subarray(0, used));
            this.work = w;
          }
          this.work.set(b, used);
          sc.off[nb] = used; sc.len[nb] = b.length; sc.tag[nb] = 0;
          used += b.length; nb++;
        }
        if (nb === 0) continue;
        this.counters.scans++;
        const m = sc.scan(db, this.scratch, this.work, nb);
        const pp = pf.patPlans[k];
        for (let j = 0; j < m; j++) {
          const ps = pp[sc.matchId[j]];
          for (let z = 0; z < ps.length; z++) { const x = ps[z]; if (stamp[x] !== gen) { stamp[x] = gen; cand[n++] = x; } }
        }
      }
    }
    // Rule order (flowbits set by an earlier rule are seen by a later one, as on packets).
    cand.subarray(0, n).sort();
    for (let i = 0; i < n; i++) this.one(this.plans[cand[i]], tx, dir, ends, f, tsUs);
  }

  private one(pl: Plan, tx: AppTx, dir: number, ends: FlowEnds, f: FlowCtx | null, tsUs: number): void {
    if ((pl.sides & dir) === 0) return;
    if (pl.h1 && tx.proto === AppProto.HTTP2) return;
    if ((tx.progress & pl.needs) !== pl.needs) return;
    if (pl.reqBit >= 0 && (f === null || !f.bit(pl.reqBit))) return;
    // One alert per (rule, transaction); a rule without buffers (app-layer-event,
    // app-layer-protocol, numeric checks only) and no flow direction once per direction:
    // Suricata keeps detect state per direction and such a rule is inspected on both sides
    // (protocol-change-failed-event: 2 alerts for one tx event). Rules with buffers keep one
    // alert per tx: several of our both-direction buffers are one-sided in Suricata
    // (dns.query, tls.sni ...), and per-direction keys double their alerts (bug-1450-02).
    // A re-inspection (`again`, sensor/app/stage.ts: the to-server side once more after the
    // response raised events) alerts only when no side did, and then counts for both: the
    // to-server side had been inspected complete before the event (bug-1450-02: 1 alert).
    const key = pl.rule.index * 2 + (pl.app.lists.length === 0 && dir === TO_CLIENT ? 1 : 0);
    // Alerted rule keys live on the transaction (tx.marks), owned by this inspector.
    const mk = tx.marks;
    let done = mk.alertedBy === this ? mk.alerted : null;
    if (done !== null && (done.has(key) || (this.again && done.has(pl.rule.index * 2 + 1)))) return;
    this.counters.ruleChecks++;
    if (!this.match(pl, tx, dir, ends, f, tsUs)) return;
    if (done === null) { done = new Set(); mk.alerted = done; mk.alertedBy = this; }
    done.add(key);
    if (this.again) done.add(pl.rule.index * 2 + 1);
    applyFlowEffects(pl.rule, f, tsUs);
    const xb = pl.rule.xbits;
    if (xb !== undefined) this.xbits.apply(xb, dir === TO_SERVER ? ends.client : ends.server, dir === TO_SERVER ? ends.server : ends.client, tsUs);
    if (pl.rule.noalert) return;
    this.counters.alerts++;
    this.sink(pl.rule, tx, dir);
  }

  match(pl: Plan, tx: AppTx, dir: number, e: FlowEnds, f: FlowCtx | null, tsUs: number): boolean {
    const r = pl.rule;
    if (r.proto.ipProto >= 0 && r.proto.ipProto !== e.proto) return false;
    // `=>` rules: the header describes the request (src = client) whichever side completes;
    // buffers of both directions were bound to one at parse time (to_server by default).
    const ts = dir === TO_SERVER || r.txBoth;
    const amb = r.txBoth ? TO_SERVER : dir;
    const src = ts ? e.client : e.server, dst = ts ? e.server : e.client;
    const sp = ts ? e.clientPort : e.serverPort, dp = ts ? e.serverPort : e.clientPort;
    const v4 = e.ipVersion === 4;
    if (!((v4 ? inV4Set(pl.srcV4, src[3]) && inV4Set(pl.dstV4, dst[3]) : addrMatch(r.src, e.ipVersion, src) && addrMatch(r.dst, e.ipVersion, dst)) && portMatch(r.sport, sp) && portMatch(r.dport, dp))) {
      if (!r.bidirectional) return false;
      if (!((v4 ? inV4Set(pl.srcV4, dst[3]) && inV4Set(pl.dstV4, src[3]) : addrMatch(r.src, e.ipVersion, dst) && addrMatch(r.dst, e.ipVersion, src)) && portMatch(r.sport, dp) && portMatch(r.dport, sp))) return false;
    }
    const fo = r.flow;
    if (fo) {
      if (fo.toServer && !ts && !r.bidirectional) return false;
      if (fo.toClient && ts && !r.bidirectional) return false;
      if (fo.onlyStream || fo.noStream) { /* transactions come from the stream */ }
    }
    if (!flowConditions(r, f, tsUs)) return false;
    if (r.xbits !== undefined && !this.xbits.check(r.xbits, dir === TO_SERVER ? e.client : e.server, dir === TO_SERVER ? e.server : e.client, tsUs)) return false;
    const a = pl.app;
    for (const c of a.protos) {
      const ap = c.dir === TO_SERVER ? e.appProtoTs ?? e.appProto : c.dir === TO_CLIENT ? e.appProtoTc ?? e.appProto : e.appProto;
      const is = c.dir === (TO_SERVER | TO_CLIENT) ? (e.appProtoTs === c.proto || e.appProtoTc === c.proto) : ap === c.proto;
      if (is === c.negated) return false;
    }
    for (const ev of a.events) if (!tx.events.includes(ev)) return false;
    for (const n of a.nums) {
      const d = n.dirs === (TO_SERVER | TO_CLIENT) ? amb : n.dirs;
      let ok = false;
      for (let i = 0; i < 64; i++) {
        const v = (tx.num as (name: string, i: number, dir: number) => number)(n.name, i, d);
        if (Number.isNaN(v)) break;
        if (uintMatch(n.check, v)) { ok = true; break; }
      }
      if (!ok) return false;
    }
    for (const l of a.lists) if (!this.list(l, tx, amb)) return false;
    if (r.payload.length) {
      if (this.raw === null || this.rawLen === 0) return false;
      if (!this.payload.inspect(r.payload, this.raw, 0, this.rawLen)) return false;
    }
    return true;
  }

  private list(l: AppList, tx: AppTx, dir: number): boolean {
    const d = l.dirs === (TO_SERVER | TO_CLIENT) ? dir : l.dirs;
    const get = tx.buffer as (id: number, i: number, dir: number) => Uint8Array | null;
    if (l.absent) {
      // `absent` (rules/keywords/absent.ts): no instance, or an empty one (a response without body).
      const b0 = get.call(tx, l.buffer, 0, d);
      if (b0 === null || b0.length === 0) return true;
      if (l.absent === 1) return false;
    }
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

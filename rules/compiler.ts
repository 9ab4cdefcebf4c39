/**
 * Ruleset → detection plan. For every rule: pick the fast pattern (Suricata's rules: an
 * explicit fast_pattern wins; otherwise the non-negated content with the highest pattern
 * strength, ties to the longest — the strength weights bytes as Suricata's
 * PatternStrength does: repeated byte 1, letter 3, printable/0x00/0x01/0xff 4, other 6).
 * Then group rules by (protocol group, direction) for the packet-payload buffer and build one
 * Vectorscan database per group. Rules without a usable content go to the header-only list
 * of their groups. Databases are cached on disk under `cacheDir`, keyed by a hash of the
 * loaded rule texts, variables and Vectorscan version, so a restart skips compilation.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HS_FLAG_CASELESS, HS_FLAG_SINGLEMATCH, HsDatabase, compileLiterals, vectorscanVersion, type LiteralPattern } from '../native/vectorscan.js';
import type { Ruleset } from './loader.js';
import type { ContentMatch, Rule } from './types.js';
import type { PortExpr } from './address.js';

/** Protocol groups: a rule on `ip` lands in all of them. */
export const PROTO_GROUPS = ['tcp', 'udp', 'icmp', 'other'] as const;
export const enum Dir { TO_SERVER = 0, TO_CLIENT = 1 }

export function protoGroup(ipProto: number): number {
  return ipProto === 6 ? 0 : ipProto === 17 ? 1 : ipProto === 1 || ipProto === 58 ? 2 : 3;
}

export interface Group {
  name: string;
  db: HsDatabase | null;
  /** pattern id → rule indexes that use it as fast pattern. */
  patternRules: Int32Array[];
  /** Rules of this group without a prefilter pattern (always evaluated). */
  always: Int32Array;
  patterns: number;
}

/**
 * A port group's prefilter: `common` holds the rules of the group that apply to every port
 * class (port `any`, bidirectional ...), `specific` the rest of the class's rules (null when
 * none). Both databases are scanned in one FFI call (BatchScanner.scan2). One common database
 * per group plus small per-port ones compile in about the time of the group alone; a full
 * database per port class took 10 s for ET Open.
 */
export interface PortGroup {
  common: Group;
  specific: Group | null;
}

export interface CompiledRuleset {
  ruleset: Ruleset;
  rules: Rule[];
  /** groups[protoGroup * 2 + dir]: every packet rule (packets the reassembler does not track). */
  groups: Group[];
  /** TCP, per direction: rules inspected on the reassembled stream (raw stream inspection). */
  streamGroups: Group[];
  /** TCP, per direction: the packet rules of groups[dir] that are not stream rules, plus the stream rules that also need the packet (streamAlsoPacket), for tracked packets. */
  pktGroups: Group[];
  /** 1 when the rule is inspected on the stream instead of on tracked packets (streamEligible). */
  streamRule: Uint8Array;
  /** Fast pattern content per rule (null = header-only / no prefilter). */
  fastPattern: Array<ContentMatch | null>;
  /**
   * Port groups (Suricata's signature group heads by destination port): portClass[0] (TCP)
   * / [1] (UDP) maps the server-side port of a packet (dport to server, sport to client) to
   * a class; byPort[k][class] is what to prefilter with, for k = 0..7 (groups),
   * 8/9 (pktGroups), 10/11 (streamGroups). Class 0 = ports without a group of their own.
   */
  portClass: Uint8Array[];
  byPort: PortGroup[][];
  hash: string;
  compileMs: number;
  fromCache: boolean;
  dbBytes: number;
}

export function patternStrength(b: Uint8Array): number {
  const seen = new Uint8Array(256);
  let s = 0;
  for (const c of b) {
    if (seen[c]) s += 1;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) s += 3;
    else if ((c >= 32 && c <= 126) || c === 0 || c === 1 || c === 0xff) s += 4;
    else s += 6;
    seen[c] = 1;
  }
  return s;
}

export function selectFastPattern(r: Rule): ContentMatch | null {
  let best: ContentMatch | null = null, bestS = -1;
  for (const m of r.payload) {
    if (m.t !== 'content') continue;
    if (m.fastPattern) return m.negated ? null : m;
    if (m.negated) continue;
    const s = patternStrength(m.bytes);
    if (s > bestS || (s === bestS && best && m.bytes.length > best.bytes.length)) { best = m; bestS = s; }
  }
  return best;
}

function fpBytes(c: ContentMatch): Uint8Array {
  return c.fpChopLen ? c.bytes.subarray(c.fpChopOff, c.fpChopOff + c.fpChopLen) : c.bytes;
}

function inGroup(r: Rule, pg: number, dir: number): boolean {
  // Transaction rules (sticky buffers) are inspected per app-layer transaction only: their
  // packet payload list is empty and would match every packet of the group.
  if (r.app) return false;
  if (r.proto.ipProto >= 0 && protoGroup(r.proto.ipProto) !== pg) return false;
  // `ip_proto:N` on an `ip` rule: only packets of protocol N (whose group is protoGroup(N)).
  for (const h of r.header) if (h.ipProto !== undefined && protoGroup(h.ipProto) !== pg) return false;
  if (r.flow && !r.bidirectional) {
    if (r.flow.toServer && dir !== Dir.TO_SERVER) return false;
    if (r.flow.toClient && dir !== Dir.TO_CLIENT) return false;
  }
  return true;
}

/**
 * Suricata's raw-stream rules: TCP payload rules whose keywords all apply to a byte buffer
 * (no dsize, packet header keywords or decode events, not `flow:no_stream` / `tcp-pkt`).
 * On packets the reassembler adds to a stream they are matched on the stream only (like
 * Suricata skipping packet payload inspection for PKT_STREAM_ADD packets of
 * SIG_FLAG_REQUIRE_STREAM rules) unless streamAlsoPacket; on untracked packets on the packet payload.
 */
export function streamEligible(r: Rule): boolean {
  return (r.proto.ipProto === 6 || r.proto.ipProto === -1) && !r.app && r.payload.length > 0 && !r.proto.pktOnly
    && !(r.flow !== null && (r.flow.noStream || r.flow.onlyFrag)) && r.dsize === null && r.header.length === 0
    && r.hdrBufs.length === 0 && r.decodeEvents.length === 0;
}

/**
 * A raw-stream rule that ALSO inspects the payload of packets added to the stream. Suricata
 * (detect-parse.c SigValidate, "TCP: corner cases") gives a TCP payload rule
 * SIG_FLAG_REQUIRE_STREAM, plus SIG_FLAG_REQUIRE_PACKET when a content has depth or offset
 * (startswith sets depth); DetectEngineInspectRulePayloadMatches (detect.c) skips the packet
 * payload of a PKT_STREAM_ADD packet only for rules WITHOUT REQUIRE_PACKET. So such a rule
 * matches the packet when it arrives (its bytes are not yet acknowledged, no stream data) and
 * again when the stream is inspected: suricata-verify detect-bytetest-02 (one midstream
 * packet, `content:"GET "; depth:4; ...`) alerts twice, its pcre / byte_jump rules once.
 * `flow:only_stream` / `tcp-stream` rules stay stream-only.
 */
export function streamAlsoPacket(r: Rule): boolean {
  if (r.proto.streamOnly || (r.flow !== null && r.flow.onlyStream)) return false;
  for (const m of r.payload) if (m.t === 'content' && (m.hasDepth || m.hasOffset || m.startswith)) return true;
  return false;
}

export function rulesetHash(rs: Ruleset): string {
  const h = createHash('sha256');
  h.update(`fennec-rules-v3 hs ${safeVersion()}\n`);
  h.update(JSON.stringify(rs.ctx.vars));
  for (const r of rs.rules) h.update(r.text + '\n');
  return h.digest('hex').slice(0, 32);
}

function safeVersion(): string {
  try { return vectorscanVersion(); } catch { return 'none'; }
}

export interface CompileOptions {
  /** Directory for cached databases; no caching when unset. */
  cacheDir?: string;
}

export function compileRuleset(rs: Ruleset, opts: CompileOptions = {}): CompiledRuleset {
  const t0 = performance.now();
  const rules = rs.rules;
  const fastPattern = rules.map(selectFastPattern);
  const hash = rulesetHash(rs);
  const groups: Group[] = [];
  let fromCache = true, dbBytes = 0;
  if (opts.cacheDir) mkdirSync(opts.cacheDir, { recursive: true });
  const streamRule = new Uint8Array(rules.length);
  for (const r of rules) streamRule[r.index] = streamEligible(r) ? 1 : 0;
  const build = (name: string, accept: (r: Rule) => boolean, withDb = true): Group => {
    const ids = new Map<string, number>();
    const lits: LiteralPattern[] = [];
    const byPattern: number[][] = [];
    const always: number[] = [];
    for (const r of rules) {
      if (!accept(r)) continue;
      const fp = fastPattern[r.index];
      if (!fp) { always.push(r.index); continue; }
      const bytes = fpBytes(fp);
      const key = `${fp.nocase ? 'i' : 'c'}:${Buffer.from(bytes).toString('hex')}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = lits.length;
        ids.set(key, id);
        lits.push({ bytes, id, flags: HS_FLAG_SINGLEMATCH | (fp.nocase ? HS_FLAG_CASELESS : 0) });
        byPattern.push([]);
      }
      byPattern[id].push(r.index);
    }
    let db: HsDatabase | null = null;
    if (lits.length && withDb) {
      const file = opts.cacheDir ? join(opts.cacheDir, `${hash}-${name}.hsdb`) : '';
      if (file && existsSync(file)) {
        try { db = HsDatabase.deserialize(new Uint8Array(readFileSync(file))); } catch { db = null; }
      }
      if (!db) {
        fromCache = false;
        db = compileLiterals(lits);
        if (file) {
          const tmp = `${file}.${process.pid}.tmp`;
          writeFileSync(tmp, db.serialize());
          renameSync(tmp, file);
        }
      }
      dbBytes += db.size();
    }
    return { name, db, patternRules: byPattern.map((a) => Int32Array.from(a)), always: Int32Array.from(always), patterns: lits.length };
  };
  // Which rules each group holds (the port groups below split the same sets).
  const inStream = (r: Rule, dir: number): boolean => streamRule[r.index] === 1 && inGroup(r, 0, dir);
  const inTracked = (r: Rule, dir: number): boolean => (streamRule[r.index] === 0 || streamAlsoPacket(r)) && inGroup(r, 0, dir);
  for (let pg = 0; pg < PROTO_GROUPS.length; pg++) {
    for (let dir = 0; dir < 2; dir++) {
      // UDP is prefiltered by port group (below): its whole-group database is never scanned.
      groups.push(build(`${PROTO_GROUPS[pg]}-${dir === 0 ? 'toserver' : 'toclient'}-payload`, (r) => inGroup(r, pg, dir), pg !== 1));
    }
  }
  const streamGroups: Group[] = [], pktGroups: Group[] = [];
  for (let dir = 0; dir < 2; dir++) {
    const d = dir === 0 ? 'toserver' : 'toclient';
    streamGroups.push(build(`tcp-${d}-stream`, (r) => inStream(r, dir), false));
    pktGroups.push(build(`tcp-${d}-tracked-packet`, (r) => inTracked(r, dir), false));
  }
  // Port groups: per split group, a common database of the rules every port class needs and,
  // per class, one of the rules only that class's server ports can match.
  // FENNEC_PORT_GROUPS=0 (benchmarks only: bench/rules.ts A/B) keeps one class per group.
  const grouped = process.env.FENNEC_PORT_GROUPS !== '0';
  const tcpHot = grouped ? TCP_PORT_GROUPS : [], udpHot = grouped ? UDP_PORT_GROUPS : [];
  const portClass = [portClassOf(tcpHot), portClassOf(udpHot)];
  const bitmaps = new Map<string, Uint8Array>();
  const bm = (e: PortExpr): Uint8Array => {
    const k = JSON.stringify(e);
    let b = bitmaps.get(k);
    if (!b) { b = portBitmap(e); bitmaps.set(k, b); }
    return b;
  };
  const splitGroup = (base: Group, name: string, accept: (r: Rule) => boolean, dir: number, hot: readonly number[], cls: Uint8Array): PortGroup[] => {
    if (base.patterns === 0) return new Array<PortGroup>(hot.length + 1).fill({ common: base, specific: null });
    const otherOk = new Map<Uint8Array, boolean>();
    const inClass = (r: Rule, c: number): boolean => {
      if (r.bidirectional) return true;
      const b = bm(dir === 0 ? r.dport : r.sport);
      if (c > 0) return b[hot[c - 1]] === 1;
      let o = otherOk.get(b);
      if (o === undefined) {
        o = false;
        for (let q = 0; q < 65536; q++) if (b[q] === 1 && cls[q] === 0) { o = true; break; }
        otherOk.set(b, o);
      }
      return o;
    };
    const everywhere = new Uint8Array(rules.length);
    for (const r of rules) {
      if (!accept(r)) continue;
      let all = true;
      for (let c = 0; c <= hot.length && all; c++) all = inClass(r, c);
      everywhere[r.index] = all ? 1 : 0;
    }
    const common = build(`${name}-common`, (r) => everywhere[r.index] === 1 && accept(r));
    const out: PortGroup[] = [];
    if (base.patterns <= MERGE_MAX_PATTERNS) {
      // Small group: one database per class with its common and specific patterns (one
      // hs_scan per packet instead of two; each compiles in ~15 ms).
      for (let c = 0; c <= hot.length; c++) {
        let own = false;
        for (const r of rules) if (everywhere[r.index] === 0 && fastPattern[r.index] !== null && accept(r) && inClass(r, c)) { own = true; break; }
        out.push({ common: own ? build(`${name}-${c === 0 ? 'other' : 'port' + hot[c - 1]}-merged`, (r) => accept(r) && (everywhere[r.index] === 1 || inClass(r, c))) : common, specific: null });
      }
      return out;
    }
    for (let c = 0; c <= hot.length; c++) {
      const sp = build(`${name}-${c === 0 ? 'other' : 'port' + hot[c - 1]}`, (r) => everywhere[r.index] === 0 && accept(r) && inClass(r, c));
      // A class without patterns of its own scans the common database alone (its prefilter-less
      // rules are in the detector's per-group lists).
      out.push({ common, specific: sp.db === null ? null : sp });
    }
    return out;
  };
  const byPort: PortGroup[][] = [];
  for (let k = 0; k < 12; k++) {
    const dir = k & 1;
    const d = dir === 0 ? 'toserver' : 'toclient';
    if (k === 2 || k === 3) {
      byPort.push(splitGroup(groups[k], `udp-${d}-payload`, (r) => inGroup(r, 1, dir), dir, udpHot, portClass[1]));
    } else if (k === 8 || k === 9) {
      byPort.push(splitGroup(pktGroups[dir], `tcp-${d}-tracked-packet`, (r) => inTracked(r, dir), dir, tcpHot, portClass[0]));
    } else if (k === 10 || k === 11) {
      byPort.push(splitGroup(streamGroups[dir], `tcp-${d}-stream`, (r) => inStream(r, dir), dir, tcpHot, portClass[0]));
    } else {
      // Untracked TCP packets (no handshake seen) and ICMP / other: one group.
      const g = groups[k];
      byPort.push(new Array<PortGroup>(Math.max(TCP_PORT_GROUPS.length, UDP_PORT_GROUPS.length) + 1).fill({ common: g, specific: null }));
    }
  }
  return { ruleset: rs, rules, groups, streamGroups, pktGroups, streamRule, fastPattern, portClass, byPort, hash, compileMs: performance.now() - t0, fromCache: fromCache && opts.cacheDir !== undefined, dbBytes };
}

export function freeCompiled(c: CompiledRuleset): void {
  for (const g of allGroups(c)) g.db?.free();
}

/** Every distinct group of a compiled ruleset (port groups included). */
export function allGroups(c: CompiledRuleset): Set<Group> {
  const s = new Set<Group>([...c.groups, ...c.streamGroups, ...c.pktGroups]);
  for (const row of c.byPort) for (const pg of row) { s.add(pg.common); if (pg.specific) s.add(pg.specific); }
  return s;
}

/**
 * Server ports with prefilter groups of their own: Suricata's default detect.grouping
 * whitelists (tcp 53, 80, 139, 443, 445, 1433, 3306, 3389, 6666, 6667, 8080; udp 53, 135,
 * 5060) plus common service ports with many port-specific ET Open rules. A port-80 stream
 * group holds 814 of the 1349 to-server stream patterns of ET Open, port 445 884.
 */
/**
 * Port-split groups with at most this many patterns get one merged database per port class
 * (TCP to-client tracked packets: 87 common patterns, UDP: 145 / 229) instead of a common
 * and a specific one; bigger ones (TCP to-server, streams: 643-878 patterns) would take
 * 100-270 ms per class to compile merged.
 */
export const MERGE_MAX_PATTERNS = 256;

export const TCP_PORT_GROUPS: readonly number[] = [21, 22, 23, 25, 53, 80, 102, 110, 139, 143, 443, 445, 502, 1433, 3306, 3389, 6666, 6667, 8080];
export const UDP_PORT_GROUPS: readonly number[] = [53, 67, 69, 123, 135, 161, 514, 5060];

function portClassOf(hot: readonly number[]): Uint8Array {
  const c = new Uint8Array(65536);
  hot.forEach((p, i) => { c[p] = i + 1; });
  return c;
}

/** The ports a port expression matches, as a 65536-entry bitmap. */
export function portBitmap(e: PortExpr): Uint8Array {
  const b = new Uint8Array(65536);
  switch (e.k) {
    case 'any': b.fill(1); break;
    case 'range': b.fill(1, e.lo, e.hi + 1); break;
    case 'not': { const x = portBitmap(e.e); for (let i = 0; i < 65536; i++) b[i] = x[i] ^ 1; break; }
    case 'list': {
      if (e.pos.length === 0) b.fill(1);
      for (const q of e.pos) { const x = portBitmap(q); for (let i = 0; i < 65536; i++) b[i] |= x[i]; }
      for (const q of e.neg) { const x = portBitmap(q); for (let i = 0; i < 65536; i++) if (x[i]) b[i] = 0; }
      break;
    }
  }
  return b;
}

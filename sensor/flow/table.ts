import type { Packet } from '../decode/packet.js';
import type { FlowConfig } from './config.js';
import type { FlowRecord } from './record.js';
import { ICMP4_PEER, ICMP6_PEER, communityId } from './community-id.js';
import { TcpTrack, tcpStateName, zeekConnState } from './tcp-track.js';
import { formatAddr } from './addr.js';

/** Timeout classes: one LRU list each, so expiry pops list heads only (O(expired)). */
export const enum TClass {
  TCP_NEW, TCP_EST, TCP_CLOSED, UDP_NEW, UDP_EST, ICMP_NEW, ICMP_EST, OTHER_NEW, OTHER_EST, COUNT,
}

export const enum EndReason { TIMEOUT, FIN, RST, SHUTDOWN, EVICTED, PERIODIC, REUSE }
const REASON_NAMES = ['timeout', 'fin', 'rst', 'shutdown', 'evicted', 'periodic', 'reuse'] as const;

/** Direction of the last looked-up packet relative to the flow: 0 = to server, 1 = to client. */
export const TO_SERVER = 0;
export const TO_CLIENT = 1;

/** Called when a flow slot ends, before it is reused (reassembly and detection free their state). */
export type FlowEndHook = (slot: number) => void;
/** Adds a stage's fields to a flow's record (reassembly: stream bytes and gaps; app-layer: app_proto). */
export type RecordAugmenter = (slot: number, rec: FlowRecord) => void;

export interface FlowTableStats {
  created: number;
  active: number;
  ended: number;
  evicted: number;
  reused: number;
  timeouts: number;
  periodic: number;
}

const NIL = -1;

/**
 * The flow table of one worker: preallocated structure-of-arrays, fixed-width keys, chained
 * hash buckets and a symmetric hash so both directions of a flow land in the same bucket
 * (and, with the same hash in the dispatcher, on the same worker).
 *
 * Slot layout: addresses as 4 words each in `addr` (slot*8: client, slot*8+4: server); ports
 * are the client's and the server's; for ICMP the "ports" are the type and the counterpart
 * type (or code), as in Community ID, and the echo identifier is part of the key.
 *
 * Timeouts are checked when a packet arrives (an idle flow ends and a new one starts) and by
 * expire(now) from list heads, so the records do not depend on when expire() runs: results
 * are identical for any number of workers as long as the same packets reach a flow.
 */
export class FlowTable {
  readonly cap: number;
  private readonly mask: number;
  private readonly buckets: Int32Array;
  private readonly chain: Int32Array;
  /**
   * What a lookup reads of a slot, packed in one 64-byte row (words): 0 hash, 1 proto |
   * vlan0 << 8 | vlan1 << 20, 2 extra, 3 tunnel, 4 sport << 16 | dport, 5 tclass, 6..13 the
   * addresses, 14..15 the last-activity clock (a double: keyF[slot * 8 + 7]). A chain step
   * read eleven typed arrays (a cache miss each on a 262,144-slot table); lookup was 4 % of
   * the ET Open profile. tclass and addr stay in their own arrays for everyone else.
   */
  private readonly key: Uint32Array;
  private readonly keyF: Float64Array;
  // key
  readonly addr: Uint32Array;
  readonly sport: Uint16Array;
  readonly dport: Uint16Array;
  readonly proto: Uint8Array;
  readonly ipv: Uint8Array;
  readonly vlan0: Uint16Array;
  readonly vlan1: Uint16Array;
  readonly vlanCount: Uint8Array;
  readonly depth: Uint8Array;
  readonly extra: Int32Array;
  readonly tunnel: Uint32Array;
  // counters and times
  readonly pkts: Float64Array; // slot*2 + dir
  readonly bytes: Float64Array;
  readonly payload: Float64Array;
  readonly firstUs: Float64Array;
  readonly lastUs: Float64Array;
  /** Last activity on the monotonic clock (see `now`): what timeouts and LRU order use. */
  readonly lastRecordUs: Float64Array;
  readonly flowId: Float64Array;
  readonly iface: Uint16Array;
  readonly alerted: Uint32Array;
  readonly icmpFirst: Int32Array; // slot*2 + dir: (type << 8 | code), -1 none
  readonly tcp: TcpTrack;
  private readonly tclass: Uint8Array;
  private readonly used: Uint8Array;
  // LRU lists per timeout class
  private readonly prev: Int32Array;
  private readonly nextL: Int32Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly timeoutUs: Float64Array;
  private freeHead: number;
  /** Flow keys (hashes) created at `sameTsUs`, for the flow-id tie-breaker. */
  private sameTsUs = -1;
  private sameTsCount = 0;
  private readonly sameTsHash = new Uint32Array(64);
  private readonly periodicUs: number;
  private readonly vlanTracking: boolean;

  /**
   * The monotonic clock (µs): the newest packet time seen by the whole capture so far, set by
   * the pipeline before each lookup. Timeouts compare it with a flow's last activity on the
   * same clock, so time going backwards (several capture files, a stepped clock) neither
   * ends flows early nor makes the result depend on when expire() runs.
   */
  now = 0;
  /** Direction of the packet given to the last lookup(). */
  dir = 0;
  /** True when the last lookup() created the flow. */
  created = false;
  readonly stats: FlowTableStats = { created: 0, active: 0, ended: 0, evicted: 0, reused: 0, timeouts: 0, periodic: 0 };
  private readonly endingHooks: FlowEndHook[] = [];
  private readonly endHooks: FlowEndHook[] = [];
  private readonly augmenters: RecordAugmenter[] = [];
  /** Interface / file names by iface index, for in_iface. */
  ifaceNames: string[] = [];

  constructor(cfg: FlowConfig, private readonly emit: (rec: FlowRecord) => void) {
    const cap = Math.max(16, cfg.maxFlows | 0);
    this.cap = cap;
    let nb = 1;
    while (nb < cap) nb <<= 1;
    this.mask = nb - 1;
    this.buckets = new Int32Array(nb).fill(NIL);
    this.chain = new Int32Array(cap).fill(NIL);
    this.key = new Uint32Array(cap * 16);
    this.keyF = new Float64Array(this.key.buffer);
    this.addr = new Uint32Array(cap * 8);
    this.sport = new Uint16Array(cap);
    this.dport = new Uint16Array(cap);
    this.proto = new Uint8Array(cap);
    this.ipv = new Uint8Array(cap);
    this.vlan0 = new Uint16Array(cap);
    this.vlan1 = new Uint16Array(cap);
    this.vlanCount = new Uint8Array(cap);
    this.depth = new Uint8Array(cap);
    this.extra = new Int32Array(cap);
    this.tunnel = new Uint32Array(cap);
    this.pkts = new Float64Array(cap * 2);
    this.bytes = new Float64Array(cap * 2);
    this.payload = new Float64Array(cap * 2);
    this.firstUs = new Float64Array(cap);
    this.lastUs = new Float64Array(cap);
    this.lastRecordUs = new Float64Array(cap);
    this.flowId = new Float64Array(cap);
    this.iface = new Uint16Array(cap);
    this.alerted = new Uint32Array(cap);
    this.icmpFirst = new Int32Array(cap * 2);
    this.tcp = new TcpTrack(cap);
    this.tclass = new Uint8Array(cap);
    this.used = new Uint8Array(cap);
    this.prev = new Int32Array(cap).fill(NIL);
    this.nextL = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.nextL[i] = i + 1 < cap ? i + 1 : NIL;
    this.freeHead = 0; // free list threads through nextL
    this.heads = new Int32Array(TClass.COUNT).fill(NIL);
    this.tails = new Int32Array(TClass.COUNT).fill(NIL);
    const t = cfg.timeouts;
    this.timeoutUs = new Float64Array([
      t.tcp.new, t.tcp.established, t.tcp.closed, t.udp.new, t.udp.established,
      t.icmp.new, t.icmp.established, t.default.new, t.default.established,
    ].map((s) => s * 1e6));
    this.periodicUs = cfg.periodicInterval * 1e6;
    this.vlanTracking = cfg.vlanTracking;
  }

  /**
   * Flow end, in three steps: `onEnding` hooks flush what the flow still holds (reassembly
   * delivers its last bytes, app-layer and detection see them), then the record is built
   * (with every augmenter's fields) and emitted, then `onEnd` hooks free the slot's state.
   */
  onEnding(hook: FlowEndHook): void {
    this.endingHooks.push(hook);
  }

  onEnd(hook: FlowEndHook): void {
    this.endHooks.push(hook);
  }

  addRecordFields(fn: RecordAugmenter): void {
    this.augmenters.push(fn);
  }

  /**
   * Find or create the flow of a decoded packet (IP layer present). Sets this.dir and
   * this.created. Returns the slot, or -1 if the table is full and nothing could be evicted.
   */
  lookup(p: Packet): number {
    let sp = p.sport, dp = p.dport, extra = 0;
    const proto = p.proto;
    if (proto === 1 || proto === 58) {
      const t = p.icmpType & 0xff;
      const peer = (proto === 1 ? ICMP4_PEER : ICMP6_PEER)[t];
      sp = t;
      dp = peer >= 0 ? peer : p.icmpCode & 0xff;
      extra = peer >= 0 ? p.icmpId + 1 : 0;
    } else if (proto !== 6 && proto !== 17 && proto !== 132) {
      sp = 0;
      dp = 0;
    }
    const v0 = this.vlanTracking ? p.vlan0 : 0;
    const v1 = this.vlanTracking ? p.vlan1 : 0;
    const vc = this.vlanTracking ? p.vlanCount : 0;
    const s = p.src, d = p.dst;
    // Symmetric hash: the endpoints' hashes are added, so (a,b) and (b,a) agree.
    const h = (mixEndpoint(s, sp) + mixEndpoint(d, dp) + Math.imul(proto + 1, 0x9e3779b1) +
      Math.imul(v0 + 1, 0x85ebca77) + p.tunnelKey + extra) >>> 0;
    const ts = p.tsUs;
    const now = this.now;
    const addr = this.addr;
    const key = this.key;
    const pv = (proto | (v0 << 8) | (v1 << 20)) >>> 0, tk = p.tunnelKey >>> 0, ex = extra >>> 0;
    const fwd = ((sp << 16) | dp) >>> 0, rev = ((dp << 16) | sp) >>> 0;
    for (let i = this.buckets[h & this.mask]; i !== NIL; i = this.chain[i]) {
      const k = i * 16;
      if (key[k] !== h || key[k + 1] !== pv || key[k + 2] !== ex || key[k + 3] !== tk) continue;
      const ports = key[k + 4], a = k + 6;
      let dir: number;
      if (ports === fwd &&
          key[a] === s[0] && key[a + 1] === s[1] && key[a + 2] === s[2] && key[a + 3] === s[3] &&
          key[a + 4] === d[0] && key[a + 5] === d[1] && key[a + 6] === d[2] && key[a + 7] === d[3]) dir = TO_SERVER;
      else if (ports === rev &&
          key[a] === d[0] && key[a + 1] === d[1] && key[a + 2] === d[2] && key[a + 3] === d[3] &&
          key[a + 4] === s[0] && key[a + 5] === s[1] && key[a + 6] === s[2] && key[a + 7] === s[3]) dir = TO_CLIENT;
      else continue;
      // Idle past its timeout: the old flow ends here, a new one starts with this packet.
      if (now - this.keyF[i * 8 + 7] > this.timeoutUs[key[k + 5]]) {
        this.end(i, this.expiryReason(i));
        break;
      }
      // TCP port reuse: a fresh SYN on a closed session starts a new flow (Suricata, Zeek).
      if (proto === 6 && (p.tcpFlags & 0x12) === 0x02 && this.tcp.isClosed(i)) {
        this.stats.reused++;
        this.end(i, this.tcp.closedByRst(i) ? EndReason.RST : EndReason.FIN);
        break;
      }
      this.dir = dir;
      this.created = false;
      return i;
    }
    // New flow.
    const slot = this.alloc();
    if (slot === NIL) return NIL;
    // The client is the sender of the first packet, except a SYN-ACK seen first: then the
    // sender is the server (Zeek's "^" flip), so src stays the side that opened the session.
    const flip = proto === 6 && (p.tcpFlags & 0x12) === 0x12;
    const a = slot * 8;
    const cs = flip ? d : s, cd = flip ? s : d;
    addr[a] = cs[0]; addr[a + 1] = cs[1]; addr[a + 2] = cs[2]; addr[a + 3] = cs[3];
    addr[a + 4] = cd[0]; addr[a + 5] = cd[1]; addr[a + 6] = cd[2]; addr[a + 7] = cd[3];
    this.sport[slot] = flip ? dp : sp;
    this.dport[slot] = flip ? sp : dp;
    this.proto[slot] = proto;
    this.ipv[slot] = p.ipVersion;
    this.vlan0[slot] = v0;
    this.vlan1[slot] = v1;
    this.vlanCount[slot] = vc;
    this.depth[slot] = p.tunnelDepth;
    this.tunnel[slot] = p.tunnelKey;
    this.extra[slot] = extra;
    const k = slot * 16;
    key[k] = h; key[k + 1] = pv; key[k + 2] = ex; key[k + 3] = tk;
    key[k + 4] = ((this.sport[slot] << 16) | this.dport[slot]) >>> 0;
    for (let j = 0; j < 8; j++) key[k + 6 + j] = addr[a + j];
    const b = h & this.mask;
    this.chain[slot] = this.buckets[b];
    this.buckets[b] = slot;
    const s2 = slot * 2;
    this.pkts[s2] = 0; this.pkts[s2 + 1] = 0;
    this.bytes[s2] = 0; this.bytes[s2 + 1] = 0;
    this.payload[s2] = 0; this.payload[s2 + 1] = 0;
    this.icmpFirst[s2] = -1; this.icmpFirst[s2 + 1] = -1;
    this.firstUs[slot] = ts;
    this.lastUs[slot] = ts;
    this.keyF[slot * 8 + 7] = now;
    this.lastRecordUs[slot] = now;
    this.iface[slot] = p.iface;
    this.alerted[slot] = 0;
    // Two flows of one key starting in the same microsecond (port reuse within a burst that
    // shares one timestamp) get different ids: the n-th such flow mixes n in. Both flows go
    // to the same worker, in the same order, so the ids stay independent of the worker count.
    if (ts !== this.sameTsUs) { this.sameTsUs = ts; this.sameTsCount = 0; }
    let dup = 0;
    for (let k = 0; k < this.sameTsCount; k++) if (this.sameTsHash[k] === h) dup++;
    if (this.sameTsCount < this.sameTsHash.length) this.sameTsHash[this.sameTsCount++] = h;
    this.flowId[slot] = flowIdOf(h, addr, a, this.sport[slot], this.dport[slot], proto, ts, dup);
    this.tcp.reset(slot, flip);
    this.used[slot] = 1;
    const cls = newClass(proto);
    this.tclass[slot] = cls;
    this.key[slot * 16 + 5] = cls;
    this.linkTail(cls, slot);
    this.stats.created++;
    this.stats.active++;
    this.dir = flip ? TO_CLIENT : TO_SERVER;
    this.created = true;
    return slot;
  }

  /** Account a packet to its flow (after lookup). */
  update(slot: number, dir: number, p: Packet): void {
    const i2 = slot * 2 + dir;
    this.pkts[i2]++;
    this.bytes[i2] += p.wireLen;
    this.payload[i2] += p.payLen;
    if (p.tsUs > this.lastUs[slot]) this.lastUs[slot] = p.tsUs;
    this.keyF[slot * 8 + 7] = this.now;
    const proto = this.proto[slot];
    let cls: number;
    if (proto === 6) {
      this.tcp.packet(slot, dir, p.tcpFlags, p.payLen, p.tcpWin);
      cls = this.tcp.isClosed(slot) ? TClass.TCP_CLOSED : this.tcp.isEstablished(slot) ? TClass.TCP_EST : TClass.TCP_NEW;
    } else {
      this.tcp.other(slot, dir, p.payLen);
      const est = this.pkts[slot * 2] > 0 && this.pkts[slot * 2 + 1] > 0;
      if (proto === 17) cls = est ? TClass.UDP_EST : TClass.UDP_NEW;
      else if (proto === 1 || proto === 58) {
        if (this.icmpFirst[i2] < 0) this.icmpFirst[i2] = ((p.icmpType & 0xff) << 8) | (p.icmpCode & 0xff);
        cls = est ? TClass.ICMP_EST : TClass.ICMP_NEW;
      } else cls = est ? TClass.OTHER_EST : TClass.OTHER_NEW;
    }
    // Move to the tail of its (possibly new) class list: lists stay ordered by last activity.
    this.unlink(this.tclass[slot], slot);
    this.tclass[slot] = cls;
    this.key[slot * 16 + 5] = cls;
    this.linkTail(cls, slot);
  }

  /** End every flow idle past its timeout at time `nowUs`; emit periodic records if enabled. */
  expire(nowUs: number): void {
    for (let c = 0; c < TClass.COUNT; c++) {
      const t = this.timeoutUs[c];
      for (let i = this.heads[c]; i !== NIL && nowUs - this.keyF[i * 8 + 7] > t; i = this.heads[c]) {
        this.end(i, this.expiryReason(i));
      }
    }
    if (this.periodicUs > 0) {
      for (let i = 0; i < this.cap; i++) {
        if (this.used[i] && nowUs - this.lastRecordUs[i] >= this.periodicUs) {
          this.lastRecordUs[i] = nowUs;
          this.stats.periodic++;
          this.emit(this.record(i, EndReason.PERIODIC));
        }
      }
    }
  }

  /** End every flow (capture end / shutdown). Flows idle past their timeout end as such. */
  flushAll(nowUs: number): void {
    this.expire(nowUs);
    for (let c = 0; c < TClass.COUNT; c++) {
      for (let i = this.heads[c]; i !== NIL; i = this.heads[c]) {
        this.end(i, c === TClass.TCP_CLOSED ? this.expiryReason(i) : EndReason.SHUTDOWN);
      }
    }
  }

  private expiryReason(slot: number): number {
    if (this.tclass[slot] === TClass.TCP_CLOSED) return this.tcp.closedByRst(slot) ? EndReason.RST : EndReason.FIN;
    this.stats.timeouts++;
    return EndReason.TIMEOUT;
  }

  /** End a flow: emit its record, run end hooks, free the slot. */
  end(slot: number, reason: number): void {
    for (let k = 0; k < this.endingHooks.length; k++) this.endingHooks[k](slot);
    this.emit(this.record(slot, reason));
    for (let k = 0; k < this.endHooks.length; k++) this.endHooks[k](slot);
    this.unlink(this.tclass[slot], slot);
    // Unchain from its bucket.
    const b = this.key[slot * 16] & this.mask;
    let prev = NIL;
    for (let i = this.buckets[b]; i !== NIL; prev = i, i = this.chain[i]) {
      if (i !== slot) continue;
      if (prev === NIL) this.buckets[b] = this.chain[i];
      else this.chain[prev] = this.chain[i];
      break;
    }
    this.used[slot] = 0;
    this.nextL[slot] = this.freeHead;
    this.prev[slot] = NIL;
    this.freeHead = slot;
    this.stats.active--;
    this.stats.ended++;
  }

  private alloc(): number {
    if (this.freeHead === NIL) {
      // Table full: evict the least recently active flow, closed sessions first.
      const victim = this.evictionVictim();
      if (victim === NIL) return NIL;
      this.stats.evicted++;
      this.end(victim, EndReason.EVICTED);
    }
    const slot = this.freeHead;
    this.freeHead = this.nextL[slot];
    return slot;
  }

  private evictionVictim(): number {
    if (this.heads[TClass.TCP_CLOSED] !== NIL) return this.heads[TClass.TCP_CLOSED];
    let best = NIL;
    for (let c = 0; c < TClass.COUNT; c++) {
      const h = this.heads[c];
      if (h !== NIL && (best === NIL || this.keyF[h * 8 + 7] < this.keyF[best * 8 + 7])) best = h;
    }
    return best;
  }

  private linkTail(c: number, slot: number): void {
    const t = this.tails[c];
    this.prev[slot] = t;
    this.nextL[slot] = NIL;
    if (t === NIL) this.heads[c] = slot;
    else this.nextL[t] = slot;
    this.tails[c] = slot;
  }

  private unlink(c: number, slot: number): void {
    const p = this.prev[slot], n = this.nextL[slot];
    if (p === NIL) this.heads[c] = n;
    else this.nextL[p] = n;
    if (n === NIL) this.tails[c] = p;
    else this.prev[n] = p;
  }

  /** Build the record of a flow (once per flow end or periodic interval: allocation is fine here). */
  record(slot: number, reason: number): FlowRecord {
    const a = slot * 8;
    const v4 = this.ipv[slot] === 4;
    const proto = this.proto[slot];
    const s2 = slot * 2;
    const tcp = this.tcp;
    const isTcp = proto === 6;
    const vlan: number[] = [];
    if (this.vlanCount[slot] > 0) vlan.push(this.vlan0[slot]);
    if (this.vlanCount[slot] > 1) vlan.push(this.vlan1[slot]);
    const est = isTcp ? tcp.isEstablished(slot) || tcp.isClosed(slot) : this.pkts[s2] > 0 && this.pkts[s2 + 1] > 0;
    const state: FlowRecord['state'] = isTcp && tcp.isClosed(slot) ? 'closed' : est ? 'established' : 'new';
    const icmp = proto === 1 || proto === 58;
    const ic0 = this.icmpFirst[s2], ic1 = this.icmpFirst[s2 + 1];
    const rec: FlowRecord = {
      flow_id: String(this.flowId[slot]),
      community_id: communityId(v4, this.addr, a, this.addr, a + 4, proto, this.sport[slot], this.dport[slot]),
      src_ip: formatAddr(this.addr, a, v4),
      src_port: icmp ? 0 : this.sport[slot],
      dest_ip: formatAddr(this.addr, a + 4, v4),
      dest_port: icmp ? 0 : this.dport[slot],
      proto,
      app_proto: '',
      vlan,
      in_iface: this.ifaceNames[this.iface[slot]] ?? '',
      tunnel_depth: this.depth[slot],
      pkts_toserver: this.pkts[s2],
      pkts_toclient: this.pkts[s2 + 1],
      bytes_toserver: this.bytes[s2],
      bytes_toclient: this.bytes[s2 + 1],
      payload_bytes_toserver: this.payload[s2],
      payload_bytes_toclient: this.payload[s2 + 1],
      start_us: this.firstUs[slot],
      end_us: this.lastUs[slot],
      state,
      reason: REASON_NAMES[reason],
      tcp_flags: isTcp ? tcp.flags(slot, 0) | tcp.flags(slot, 1) : 0,
      tcp_flags_ts: isTcp ? tcp.flags(slot, 0) : 0,
      tcp_flags_tc: isTcp ? tcp.flags(slot, 1) : 0,
      tcp_state: isTcp ? tcpStateName(tcp, slot) : '',
      conn_state: isTcp || proto === 17 ? zeekConnState(tcp, slot, isTcp) : 'OTH',
      history: tcp.history(slot),
      icmp_type: icmp && ic0 >= 0 ? ic0 >> 8 : -1,
      icmp_code: icmp && ic0 >= 0 ? ic0 & 0xff : -1,
      response_icmp_type: icmp && ic1 >= 0 ? ic1 >> 8 : -1,
      response_icmp_code: icmp && ic1 >= 0 ? ic1 & 0xff : -1,
      alerted: this.alerted[slot],
      reassembled_bytes_toserver: 0,
      reassembled_bytes_toclient: 0,
      gaps_toserver: 0,
      gaps_toclient: 0,
      stream_events: [],
    };
    for (let k = 0; k < this.augmenters.length; k++) this.augmenters[k](slot, rec);
    return rec;
  }

  /** Community ID of a live flow (for alerts: once per alert, not per packet). */
  communityIdOf(slot: number): string {
    const a = slot * 8;
    return communityId(this.ipv[slot] === 4, this.addr, a, this.addr, a + 4, this.proto[slot], this.sport[slot], this.dport[slot]);
  }

  /** Visit every live flow slot (tests, stats). */
  forEach(fn: (slot: number) => void): void {
    for (let i = 0; i < this.cap; i++) if (this.used[i]) fn(i);
  }
}

function newClass(proto: number): number {
  if (proto === 6) return TClass.TCP_NEW;
  if (proto === 17) return TClass.UDP_NEW;
  if (proto === 1 || proto === 58) return TClass.ICMP_NEW;
  return TClass.OTHER_NEW;
}

/** Hash of one endpoint (address words and port). */
export function mixEndpoint(w: Uint32Array, port: number): number {
  let h = Math.imul(w[0] ^ 0x243f6a88, 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593) ^ w[1];
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= w[2];
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ w[3];
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ port;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A 53-bit flow id (a safe JavaScript integer, so EVE consumers read it exactly) from the
 * oriented key and the start time: the same flow gets the same id whatever the worker count.
 */
function flowIdOf(h: number, addr: Uint32Array, a: number, sp: number, dp: number, proto: number, ts: number, dup: number): number {
  let x = h ^ Math.imul(sp, 0x9e3779b1) ^ Math.imul(dp + 1, 0x85ebca77) ^ proto ^ Math.imul(dup, 0x27d4eb2f);
  let y = Math.imul(addr[a + 3] ^ addr[a + 2], 0xc2b2ae35) ^ Math.imul(addr[a + 7] ^ addr[a + 6], 0x27d4eb2f);
  const tl = ts % 4294967296, th = Math.floor(ts / 4294967296);
  x = Math.imul(x ^ tl, 0x7feb352d); x ^= x >>> 15;
  y = Math.imul(y ^ th ^ (x >>> 3), 0x846ca68b); y ^= y >>> 16;
  x = Math.imul(x ^ y, 0x9e3779b1); x ^= x >>> 13;
  return ((y & 0x1fffff) * 4294967296 + (x >>> 0)) || 1;
}

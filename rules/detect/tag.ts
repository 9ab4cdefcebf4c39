/**
 * Tagging (Suricata detect-engine-tag.c): a rule with `tag:` installs, when it alerts, a
 * tag entry on the flow (session) or on a host (src/dst address of the alerting packet).
 * Every later packet of that flow / with that host as source or destination counts against
 * the entry (packets, bytes = captured length, or seconds since the alert) and is a
 * "tagged packet" until the entry expires; the alerting packet itself is counted but not
 * tagged (the alert logs it: TAG_ENTRY_FLAG_SKIPPED_FIRST). With count N packets, the N-1
 * packets after the alert are tagged. A rule that alerts again on the same flow/host
 * resets its entry (at most TAG_MATCH_LIMIT times); at most TAG_MAX_PER_KEY entries per
 * flow or host.
 *
 * Memory is bounded: entries come from a fixed pool (typed arrays, linked by index), hosts
 * from a fixed open-addressing table; when either is full the tag is not installed and
 * `dropped` counts it. Untagged traffic costs one integer compare per packet (`active`).
 */
import type { Rule } from '../types.js';
import type { PacketView } from './packet-view.js';
import type { Packet } from '../../sensor/decode/packet.js';
import type { FlowTable } from '../../sensor/flow/table.js';
import type { AlertRecord } from '../../sensor/output/alert-record.js';
import { formatAddr } from '../../sensor/flow/addr.js';

declare module '../../sensor/output/alert-record.js' {
  interface AlertRecord {
    /**
     * Set on a tagged packet (not an alert): EVE writes it as Suricata's `packet` event
     * (output-json-alert.c, tagged-packets: yes) and the store does not count it as an alert.
     */
    tagged_packet?: { packet: string; linktype: number };
  }
}

/**
 * A tagged packet as a record for the alert channel: the five-tuple, flow_id and
 * community_id of its flow (the link to the tagging alert of a session tag), the whole
 * captured frame in base64 and the link type (Suricata EvePacket). Built only for tagged
 * packets.
 */
export function taggedPacketRecord(p: Packet, flows: FlowTable, slot: number): AlertRecord {
  const v4 = p.ipVersion === 4;
  const ports = p.proto === 6 || p.proto === 17 || p.proto === 132;
  const vlan: number[] = [];
  if (p.vlanCount > 0) vlan.push(p.vlan0);
  if (p.vlanCount > 1) vlan.push(p.vlan1);
  return {
    timestamp_us: p.tsUs,
    flow_id: slot >= 0 ? String(flows.flowId[slot]) : '0',
    community_id: slot >= 0 ? flows.communityIdOf(slot) : '',
    src_ip: p.ipVersion ? formatAddr(p.src, 0, v4) : '',
    src_port: ports ? p.sport : 0,
    dest_ip: p.ipVersion ? formatAddr(p.dst, 0, v4) : '',
    dest_port: ports ? p.dport : 0,
    proto: p.proto,
    vlan,
    in_iface: flows.ifaceNames[p.iface] ?? '',
    app_proto: '',
    action: 'allowed',
    gid: 0, signature_id: 0, rev: 0, signature: '', category: '', severity: 0,
    tagged_packet: { packet: Buffer.from(p.data.buffer, p.data.byteOffset + p.frameOff, p.frameEnd - p.frameOff).toString('base64'), linktype: p.linktype },
  };
}

export const TAG_MAX_PER_KEY = 50;
export const TAG_MATCH_LIMIT = 10;

const M_PACKETS = 0, M_SECONDS = 1, M_BYTES = 2;
const F_SKIPPED_FIRST = 1;
const EMPTY = 0, USED = 1, TOMB = 2;

export interface TagTableOptions {
  /** Tag entries in the pool (default 4096). */
  entries?: number;
  /** Tagged hosts at most (power of two, default 1024). */
  hosts?: number;
}

export class TagTable {
  /** Entries in use (flow + host); 0 = nothing to do per packet. */
  active = 0;
  /** Tags not installed because the pool or the host table was full. */
  dropped = 0;
  /** Packets tagged so far. */
  tagged = 0;
  private readonly sid: Int32Array;
  private readonly gid: Int32Array;
  private readonly metric: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly matches: Uint8Array;
  private readonly count: Float64Array;
  private readonly packets: Float64Array;
  private readonly bytes: Float64Array;
  private readonly firstS: Float64Array;
  private readonly next: Int32Array;
  private freeHead = 0;
  /** Per flow slot: first entry or -1 (grown on demand to the slot index). */
  private flowHead: Int32Array;
  private readonly hostCap: number;
  private readonly hostKey: Uint32Array;
  private readonly hostV6: Uint8Array;
  private readonly hostState: Uint8Array;
  private readonly hostHead: Int32Array;
  private hostUsed = 0;

  constructor(flowCap: number, o: TagTableOptions = {}) {
    const n = o.entries ?? 4096;
    this.sid = new Int32Array(n); this.gid = new Int32Array(n);
    this.metric = new Uint8Array(n); this.flags = new Uint8Array(n); this.matches = new Uint8Array(n);
    this.count = new Float64Array(n); this.packets = new Float64Array(n); this.bytes = new Float64Array(n);
    this.firstS = new Float64Array(n);
    this.next = new Int32Array(n);
    for (let i = 0; i < n; i++) this.next[i] = i + 1 < n ? i + 1 : -1;
    this.flowHead = new Int32Array(Math.max(1, flowCap)).fill(-1);
    let h = 16;
    while (h < (o.hosts ?? 1024)) h <<= 1;
    this.hostCap = h;
    this.hostKey = new Uint32Array(h * 4);
    this.hostV6 = new Uint8Array(h);
    this.hostState = new Uint8Array(h);
    this.hostHead = new Int32Array(h).fill(-1);
  }

  /** Hosts currently tagged. */
  get hosts(): number {
    return this.hostUsed;
  }

  /**
   * The rule alerted on packet p of flow `slot` (-1 = no flow): install or refresh its tag.
   * `counted`: p already went through onPacket (an alert raised after the packet's tag
   * pass, e.g. stream inspection): the alerting packet is counted here instead.
   */
  add(r: Rule, p: PacketView, frameLen: number, slot: number, counted: boolean): void {
    const t = r.tag;
    if (t === null) return;
    if (t.scope === 'session') {
      if (slot < 0) return;
      if (slot >= this.flowHead.length) {
        const g = new Int32Array(Math.max(slot + 1, this.flowHead.length * 2)).fill(-1);
        g.set(this.flowHead);
        this.flowHead = g;
      }
      const h = this.install(this.flowHead[slot], r, p, frameLen, counted);
      if (h !== -2) this.flowHead[slot] = h;
      return;
    }
    const w = t.direction === 'src' ? p.src : p.dst;
    const hi = this.hostSlot(w, p.ipVersion === 6, true);
    if (hi < 0) { this.dropped++; return; }
    const h = this.install(this.hostHead[hi], r, p, frameLen, counted);
    if (h !== -2) this.hostHead[hi] = h;
    else if (this.hostHead[hi] === -1) this.freeHost(hi);
  }

  private freeHost(hi: number): void {
    this.hostState[hi] = TOMB;
    if (--this.hostUsed === 0) this.hostState.fill(EMPTY);
  }

  /** Returns the new list head, or -2 when the list is unchanged. */
  private install(head: number, r: Rule, p: PacketView, frameLen: number, counted: boolean): number {
    let n = 0;
    const sec = Math.floor(p.tsUs / 1e6);
    for (let e = head; e !== -1; e = this.next[e]) {
      n++;
      if (this.sid[e] === r.sid && this.gid[e] === r.gid) {
        if (this.matches[e] < 255) this.matches[e]++;
        if (this.matches[e] < TAG_MATCH_LIMIT) {
          this.firstS[e] = sec; this.packets[e] = 0; this.bytes[e] = 0;
          if (counted) this.count1(e, frameLen);
        }
        return -2;
      }
    }
    if (n >= TAG_MAX_PER_KEY || this.freeHead === -1) { this.dropped++; return -2; }
    const e = this.freeHead;
    this.freeHead = this.next[e];
    const t = r.tag!;
    this.sid[e] = r.sid; this.gid[e] = r.gid;
    this.metric[e] = t.metric === 'packets' ? M_PACKETS : t.metric === 'seconds' ? M_SECONDS : M_BYTES;
    this.count[e] = t.count;
    this.packets[e] = 0; this.bytes[e] = 0; this.firstS[e] = sec;
    this.flags[e] = 0; this.matches[e] = 0;
    if (counted) { this.count1(e, frameLen); this.flags[e] = F_SKIPPED_FIRST; }
    this.next[e] = head;
    this.active++;
    return e;
  }

  private count1(e: number, frameLen: number): void {
    if (this.metric[e] === M_PACKETS) this.packets[e]++;
    else if (this.metric[e] === M_BYTES) this.bytes[e] += frameLen;
  }

  /**
   * Counts packet p (frameLen captured bytes) against the tags of its flow and of its
   * source and destination hosts, removes expired entries; true = p is a tagged packet.
   * No allocation.
   */
  onPacket(p: PacketView, frameLen: number, slot: number): boolean {
    if (this.active === 0) return false;
    let tagged = false;
    const sec = Math.floor(p.tsUs / 1e6);
    if (slot >= 0 && slot < this.flowHead.length && this.flowHead[slot] !== -1) {
      const r = this.walk(this.flowHead[slot], frameLen, sec);
      this.flowHead[slot] = this.walkHead;
      tagged = r;
    }
    if (this.hostUsed > 0 && p.ipVersion !== 0) {
      const v6 = p.ipVersion === 6;
      for (let k = 0; k < 2; k++) {
        const hi = this.hostSlot(k === 0 ? p.src : p.dst, v6, false);
        if (hi < 0) continue;
        if (this.walk(this.hostHead[hi], frameLen, sec)) tagged = true;
        this.hostHead[hi] = this.walkHead;
        if (this.walkHead === -1) this.freeHost(hi);
      }
    }
    if (tagged) this.tagged++;
    return tagged;
  }

  private walkHead = -1;

  /** One packet against one list (Suricata TagHandlePacketFlow/Host); sets walkHead. */
  private walk(head: number, frameLen: number, sec: number): boolean {
    let tagged = false, prev = -1, e = head;
    while (e !== -1) {
      const nx = this.next[e];
      this.count1(e, frameLen);
      let expired = false;
      if ((this.flags[e] & F_SKIPPED_FIRST) === 0) this.flags[e] |= F_SKIPPED_FIRST;
      else {
        const m = this.metric[e];
        expired = m === M_PACKETS ? this.packets[e] > this.count[e]
          : m === M_BYTES ? this.bytes[e] > this.count[e]
            : sec - this.firstS[e] > this.count[e];
        if (!expired) tagged = true;
      }
      if (expired) {
        if (prev === -1) head = nx; else this.next[prev] = nx;
        this.next[e] = this.freeHead; this.freeHead = e; this.active--;
      } else prev = e;
      e = nx;
    }
    this.walkHead = head;
    return tagged;
  }

  /** The flow ended: its session tags go back to the pool. */
  onFlowEnd(slot: number): void {
    if (slot < 0 || slot >= this.flowHead.length) return;
    let e = this.flowHead[slot];
    if (e === -1) return;
    while (e !== -1) { const nx = this.next[e]; this.next[e] = this.freeHead; this.freeHead = e; this.active--; e = nx; }
    this.flowHead[slot] = -1;
  }

  /** Host table slot of address w (4 words, IPv4 in w[3]); -1 = absent (or full when inserting). */
  private hostSlot(w: Uint32Array, v6: boolean, insert: boolean): number {
    const mask = this.hostCap - 1;
    let h = Math.imul(w[0] ^ Math.imul(w[1], 0x9e3779b1) ^ Math.imul(w[2], 0x85ebca6b) ^ Math.imul(w[3], 0xc2b2ae35), 0x27d4eb2f);
    h = (h ^ (h >>> 15)) & mask;
    let tomb = -1;
    for (let i = 0; i < this.hostCap; i++, h = (h + 1) & mask) {
      const st = this.hostState[h];
      if (st === EMPTY) break;
      if (st === TOMB) { if (tomb < 0) tomb = h; continue; }
      const k = h * 4;
      if (this.hostV6[h] === (v6 ? 1 : 0) && this.hostKey[k] === w[0] && this.hostKey[k + 1] === w[1]
        && this.hostKey[k + 2] === w[2] && this.hostKey[k + 3] === w[3]) return h;
    }
    if (!insert) return -1;
    // Keep a quarter free so probes stay short.
    if (this.hostUsed >= (this.hostCap >> 2) * 3) return -1;
    const at = tomb >= 0 ? tomb : h;
    if (this.hostState[at] === USED) return -1;
    const k = at * 4;
    this.hostKey[k] = w[0]; this.hostKey[k + 1] = w[1]; this.hostKey[k + 2] = w[2]; this.hostKey[k + 3] = w[3];
    this.hostV6[at] = v6 ? 1 : 0;
    this.hostState[at] = USED;
    this.hostHead[at] = -1;
    this.hostUsed++;
    return at;
  }
}

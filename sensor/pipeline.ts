import type { FrameBatch } from './capture/source.js';
import { Packet } from './decode/packet.js';
import { Ev, EVENT_NAMES } from './decode/events.js';
import { Proto } from './decode/proto.js';
import { decodeFrame, decodeInner, decodeReassembled } from './decode/decoder.js';
import { FlowTable } from './flow/table.js';
import type { FlowConfig } from './flow/config.js';
import type { FlowRecord } from './flow/record.js';
import { Defragmenter, DefragCounter, DefragStatus, DEFRAG_COUNTER_NAMES, type DefragConfig } from '../reassembly/defrag.js';

/**
 * A stage that sees every decoded packet that belongs to a flow, after the flow table has
 * accounted it (reassembly, detection). `slot` is the flow's table slot, `dir` 0 = to server.
 */
export interface PacketStage {
  onPacket(p: Packet, flows: FlowTable, slot: number, dir: number): void;
  /** Packets without a flow (non-IP, fragments before reassembly, invalid): optional. */
  onOtherPacket?(p: Packet, status: number): void;
  /** End of input: flush. Called before the flow table ends its flows. */
  finish?(nowUs: number): void;
  /** Named counters for stats. */
  stats?(): Record<string, number>;
}

export interface PipelineConfig {
  flow: FlowConfig;
  defrag: DefragConfig;
}

export interface PipelineCounters {
  packets: number;
  bytes: number;
  /** Frames with at least one IP layer tracked in a flow. */
  flowPackets: number;
  /** Frames whose decoding stopped on a malformation. */
  invalid: number;
  /** Frames without an IP layer (ARP, LLC, ...). */
  nonIp: number;
  /** Unsupported link type. */
  unknownLink: number;
  fragments: number;
  reassembled: number;
  /** Packets that found no flow slot (table full, nothing evictable). */
  noFlow: number;
  tunnelled: number;
}

/** Sweep for timed-out flows at most this often (packet time). */
const SWEEP_INTERVAL_US = 1_000_000;

/**
 * The per-worker packet path, read top-down like Suricata's FlowWorker: decode → (defrag)
 * → flow → stages (reassembly, detection), repeated per tunnel layer. One Packet object is
 * reused for every frame; nothing here allocates per packet.
 */
export class Pipeline {
  readonly events = new Float64Array(Ev.COUNT);
  readonly p: Packet;
  readonly flows: FlowTable;
  readonly defrag: Defragmenter;
  readonly counters: PipelineCounters = {
    packets: 0, bytes: 0, flowPackets: 0, invalid: 0, nonIp: 0, unknownLink: 0, fragments: 0, reassembled: 0, noFlow: 0, tunnelled: 0,
  };
  private readonly stages: PacketStage[] = [];
  private nextSweepUs = 0;
  /** Packet time of the newest frame seen (µs). */
  nowUs = 0;

  constructor(cfg: PipelineConfig, onFlow: (rec: FlowRecord) => void) {
    this.p = new Packet(this.events);
    this.flows = new FlowTable(cfg.flow, onFlow);
    this.defrag = new Defragmenter(cfg.defrag);
  }

  addStage(s: PacketStage): void {
    this.stages.push(s);
  }

  /** Process every frame of a batch (the caller releases the batch afterwards). */
  processBatch(b: FrameBatch): void {
    const n = b.count;
    for (let i = 0; i < n; i++) {
      this.processFrame(b.data, b.offset[i], b.caplen[i], b.wirelen[i], b.tsUs[i], b.linktype[i], b.iface[i], b.vlan[i]);
    }
  }

  /**
   * `clockUs`: the capture-wide monotonic clock at this frame (the dispatcher passes it so
   * every worker sees the same clock as a single worker would); by default the newest
   * packet time this pipeline has seen.
   */
  processFrame(data: Uint8Array, off: number, caplen: number, wirelen: number, tsUs: number, linktype: number, iface: number, vlan: number,
    clockUs: number = tsUs): void {
    const p = this.p;
    const c = this.counters;
    c.packets++;
    c.bytes += wirelen;
    if (clockUs > this.nowUs) this.nowUs = clockUs;
    this.flows.now = this.nowUs;
    p.reset(data, off, caplen, wirelen, tsUs, linktype, iface);
    if (vlan >= 0) {
      // Tag stripped by the capture (AF_PACKET) and given out of band: it is the outermost one.
      p.vlan0 = vlan;
      p.vlanCount = 1;
    }
    if (caplen < wirelen) p.event(Ev.CAPTURE_TRUNCATED);
    let st = decodeFrame(p);
    let tracked = false;
    for (;;) {
      if (st === Proto.FRAGMENT) {
        c.fragments++;
        // Defragment first, so what the defragmenter finds (overlap, too large, invalid
        // length) is an event of this fragment when detection looks at it (Suricata raises
        // decoder.ipv6.frag_overlap etc. on the fragment packet).
        const d = this.defrag;
        const dc = d.counters;
        const ov4 = dc[DefragCounter.V4_OVERLAP], ov6 = dc[DefragCounter.V6_OVERLAP], big4 = dc[DefragCounter.V4_TOO_LARGE],
          big6 = dc[DefragCounter.V6_TOO_LARGE], inv6 = dc[DefragCounter.V6_INVALID_LENGTH], ig4 = dc[DefragCounter.V4_IGNORED],
          ig6 = dc[DefragCounter.V6_IGNORED];
        const r = p.ipVersion === 4
          ? d.addV4(p.data, p.l3Off, p.l3End - p.l3Off, p.vlan0, tsUs)
          : d.addV6(p.data, p.l3Off, p.l3End - p.l3Off, p.ip6FragHdrOff, p.vlan0, tsUs);
        if (dc[DefragCounter.V4_OVERLAP] > ov4) p.eventOnly(Ev.IPV4_FRAG_OVERLAP);
        if (dc[DefragCounter.V6_OVERLAP] > ov6) p.eventOnly(Ev.IPV6_FRAG_OVERLAP);
        if (dc[DefragCounter.V4_TOO_LARGE] > big4) p.eventOnly(Ev.IPV4_FRAG_PKT_TOO_LARGE);
        if (dc[DefragCounter.V6_TOO_LARGE] > big6) p.eventOnly(Ev.IPV6_FRAG_PKT_TOO_LARGE);
        if (dc[DefragCounter.V6_INVALID_LENGTH] > inv6) p.eventOnly(Ev.IPV6_FRAG_INVALID_LENGTH);
        if (dc[DefragCounter.V4_IGNORED] > ig4) p.eventOnly(Ev.IPV4_FRAG_IGNORED);
        if (dc[DefragCounter.V6_IGNORED] > ig6) p.eventOnly(Ev.IPV6_FRAG_IGNORED);
        this.other(p, st);
        if (r !== DefragStatus.COMPLETE) break;
        c.reassembled++;
        st = decodeReassembled(p, d.out, 0, d.outLen, p.ipVersion);
        continue;
      }
      if (st === Proto.INVALID || p.ipVersion === 0) {
        if (st === Proto.INVALID) c.invalid++;
        else if (!tracked) {
          if (p.l2Off < 0 && p.layers <= 1 && p.frameEnd > p.frameOff && p.linktype !== 1) c.unknownLink++;
          else c.nonIp++;
        }
        this.other(p, st);
        break;
      }
      const flows = this.flows;
      const slot = flows.lookup(p);
      if (slot < 0) {
        c.noFlow++;
        this.other(p, st);
      } else {
        const dir = flows.dir;
        flows.update(slot, dir, p);
        tracked = true;
        const stages = this.stages;
        for (let k = 0; k < stages.length; k++) stages[k].onPacket(p, flows, slot, dir);
      }
      if (st !== Proto.TUNNEL) break;
      c.tunnelled++;
      st = decodeInner(p);
    }
    if (tracked) c.flowPackets++;
    if (this.nowUs >= this.nextSweepUs) this.tick(this.nowUs);
  }

  private other(p: Packet, st: number): void {
    const stages = this.stages;
    for (let k = 0; k < stages.length; k++) {
      const s = stages[k];
      if (s.onOtherPacket !== undefined) s.onOtherPacket(p, st);
    }
  }

  /** Advance time without a packet (live idle, or another worker's packet time). */
  tick(nowUs: number): void {
    if (nowUs > this.nowUs) this.nowUs = nowUs;
    this.flows.now = this.nowUs;
    if (this.nowUs < this.nextSweepUs) return;
    this.nextSweepUs = this.nowUs + SWEEP_INTERVAL_US;
    this.flows.expire(this.nowUs);
  }

  /** End of input: flush stages, then end every flow (idle ones as timeouts). */
  finish(nowUs: number = this.nowUs): void {
    if (nowUs > this.nowUs) this.nowUs = nowUs;
    this.flows.now = this.nowUs;
    for (const s of this.stages) s.finish?.(this.nowUs);
    this.flows.flushAll(this.nowUs);
  }

  /** Named counters: decode events (Suricata names), defrag, flow and pipeline totals. */
  statsSnapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    const c = this.counters;
    out['capture.packets'] = c.packets;
    out['capture.bytes'] = c.bytes;
    out['decoder.invalid'] = c.invalid;
    out['decoder.non_ip'] = c.nonIp;
    out['decoder.unknown_linktype'] = c.unknownLink;
    out['decoder.fragments'] = c.fragments;
    out['decoder.tunnelled'] = c.tunnelled;
    out['flow.packets'] = c.flowPackets;
    out['flow.no_slot'] = c.noFlow;
    for (let i = 0; i < Ev.COUNT; i++) if (this.events[i] > 0) out[EVENT_NAMES[i]] = this.events[i];
    const dc = this.defrag.counters;
    for (let i = 0; i < dc.length; i++) if (dc[i] > 0) out[DEFRAG_COUNTER_NAMES[i]] = dc[i];
    const fs = this.flows.stats;
    out['flow.created'] = fs.created;
    out['flow.active'] = fs.active;
    out['flow.ended'] = fs.ended;
    out['flow.evicted'] = fs.evicted;
    out['flow.tcp_reuse'] = fs.reused;
    out['flow.timeouts'] = fs.timeouts;
    out['flow.periodic'] = fs.periodic;
    for (const st of this.stages) if (st.stats) Object.assign(out, st.stats());
    return out;
  }
}

import type { Packet } from '../../sensor/decode/packet.js';
import type { FlowTable } from '../../sensor/flow/table.js';
import type { PacketStage } from '../../sensor/pipeline.js';
import type { AlertRecord } from '../../sensor/output/alert-record.js';
import { formatAddr } from '../../sensor/flow/addr.js';
import { loadRules, type Ruleset } from '../loader.js';
import { compileRuleset, freeCompiled } from '../compiler.js';
import { Detector } from './engine.js';
import { FlowCtx } from './flow-ctx.js';
import type { Rule } from '../types.js';
import type { ChecksumMode } from './checksum.js';
import type { PacketView } from './packet-view.js';
import { applyThresholdConfig, loadThresholdConfig } from '../threshold-config.js';
import { TagTable, taggedPacketRecord } from './tag.js';

export interface DetectSettings {
  /** Rule files or directories. */
  paths: string[];
  addressGroups: Record<string, string>;
  portGroups: Record<string, string>;
  classificationFile: string | null;
  /** Alerts per packet at most (Suricata packet-alert-max, default 15). */
  packetAlertMax: number;
  /** Directory for the compiled-database cache (none when null). */
  cacheDir: string | null;
  /** Suricata checksum-validation: yes | no | auto (default auto). */
  checksumValidation?: ChecksumMode;
  /** Suricata action-order. */
  actionOrder?: string[];
  /** stream.midstream: sessions picked up without their SYN can become established. */
  midstream?: boolean;
  /**
   * Reload signal shared by the main thread and every worker (see rules/reload.ts):
   * Int32Array [generation, swaps done, swaps failed]. Cloned into workers as shared memory.
   */
  reloadSignal?: SharedArrayBuffer | null;
  /** threshold.config path (suppress / threshold / event_filter / rate_filter), or null. */
  thresholdFile?: string | null;
}

/**
 * Loads the rules and applies threshold.config. Throws (ThresholdConfigError) when the
 * threshold file is unreadable or malformed: a reload then keeps the old ruleset.
 */
export function loadDetectRuleset(s: DetectSettings, seed?: Ruleset): Ruleset {
  const vars = { address: s.addressGroups, port: s.portGroups };
  const seedNames = seed ? { flowbits: [...seed.ctx.flowbits.keys()], flowints: [...seed.ctx.flowints.keys()] } : undefined;
  const rs = loadRules(s.paths, { vars, classificationFile: s.classificationFile ?? undefined, seedNames });
  if (s.thresholdFile) applyThresholdConfig(rs.rules, loadThresholdConfig(s.thresholdFile, rs.ctx.vars));
  return rs;
}

/**
 * The detection stage of a worker's pipeline: keeps one FlowCtx per flow slot, tells the
 * detector the packet's direction and the flow's state, and turns matches into alert
 * records (EVE alert fields) for the outputs. Alert records are built only on a match.
 */
export class DetectStage implements PacketStage {
  detector: Detector;
  ruleset: Ruleset;
  private readonly reloadSig: Int32Array | null;
  private reloadGen = 0;
  reloads = 0;
  reloadFailures = 0;
  private readonly ctx: (FlowCtx | null)[];
  private flows: FlowTable | null = null;
  private slot = -1;
  private alertsThisPacket = 0;
  private readonly alertMax: number;
  private readonly midstream: boolean;
  alerts = 0;
  droppedByAlertMax = 0;
  /**
   * Per-slot TCP session state of the reassembler (reassembly/tcp.ts `state`), set by
   * sensor/build.ts when reassembly runs: packets of ESTABLISHED..CLOSING sessions are added
   * to the stream, their payload rules run on the stream (rules/detect/stream-stage.ts).
   */
  streamState: Uint8Array | null = null;
  /** Per-slot detected app protocol (sensor/app AppLayer.proto), set by the app stage. */
  appProtos: Uint8Array | null = null;
  /** `tag:` state (rules/detect/tag.ts); tagged packets go to onAlert as EVE packet events. */
  readonly tags: TagTable;
  /** The current packet went through the tag pass (an alert after it counts the packet itself). */
  private tagPassDone = false;
  /** Called after a successful reload with the new ruleset (the app stage rebuilds its inspector). */
  private readonly swapHooks: Array<(rs: Ruleset) => void> = [];

  constructor(private readonly s: DetectSettings, flows: FlowTable, private readonly onAlert: (a: AlertRecord) => void) {
    this.reloadSig = s.reloadSignal ? new Int32Array(s.reloadSignal) : null;
    if (this.reloadSig) this.reloadGen = Atomics.load(this.reloadSig, 0);
    this.ruleset = loadDetectRuleset(s);
    this.detector = this.build(this.ruleset);
    this.ctx = new Array(flows.cap).fill(null);
    this.tags = new TagTable(flows.cap);
    this.alertMax = s.packetAlertMax;
    this.midstream = s.midstream ?? false;
    this.flows = flows;
    flows.onEnd((slot) => {
      const c = this.ctx[slot];
      if (c !== null) this.ctx[slot] = null;
      this.tags.onFlowEnd(slot);
    });
  }

  private build(rs: Ruleset): Detector {
    const compiled = compileRuleset(rs, { cacheDir: this.s.cacheDir ?? undefined });
    return new Detector(compiled, (rule, p, f) => this.alert(rule, p as Packet, f),
      { checksumValidation: this.s.checksumValidation ?? 'auto', actionOrder: this.s.actionOrder });
  }

  /**
   * Swap to a newly loaded ruleset between two packets (atomic for this worker: JS runs one
   * packet at a time). Flow contexts stay: flowbit/flowint names keep their slots (seeded
   * from the old ruleset) and FlowCtx.ensure() grows the arrays on the next packet.
   * On failure the old detector keeps running. Returns null or the error message.
   */
  swap(): string | null {
    let next: Detector;
    let rs: Ruleset;
    try {
      rs = loadDetectRuleset(this.s, this.ruleset);
      next = this.build(rs);
    } catch (e) {
      this.reloadFailures++;
      return (e as Error).message;
    }
    const old = this.detector;
    this.detector = next;
    this.ruleset = rs;
    this.reloads++;
    old.free();
    freeCompiled(old.compiled);
    for (const h of this.swapHooks) h(rs);
    return null;
  }

  onSwap(h: (rs: Ruleset) => void): void {
    this.swapHooks.push(h);
  }

  /** Flowbit / flowint slot counts of the running ruleset. */
  get ctxSizes(): { bits: number; ints: number; generation: number } {
    return { bits: this.ruleset.ctx.flowbits.size, ints: this.ruleset.ctx.flowints.size, generation: this.detector.generation };
  }

  /**
   * The flow's detection state (one per flow, shared by packet, stream and app-layer
   * rules so flowbits set by one are seen by the others). Created on first use.
   */
  flowCtx(slot: number): FlowCtx {
    let f = this.ctx[slot];
    if (f === null) {
      f = new FlowCtx();
      f.flowId = this.flows!.flowId[slot];
      this.ctx[slot] = f;
    }
    f.ensure(this.ruleset.ctx.flowbits.size, this.ruleset.ctx.flowints.size, this.detector.generation);
    return f;
  }

  /** Raw stream inspection of a reassembled chunk of flow `slot` (rules/detect/stream-stage.ts). */
  inspectStream(slot: number, toServer: boolean, pv: PacketView, tail: number, streamStart = 0): void {
    const f = this.flowCtx(slot);
    const ts = f.toServer, est = f.established;
    f.toServer = toServer;
    if (this.appProtos !== null) f.appProto = this.appProtos[slot];
    // Stream data exists only on a session the reassembler follows: established (Suricata
    // inspects the stream of established sessions; midstream pickups count once accepted).
    f.established = true;
    this.slot = slot;
    this.alertsThisPacket = 0;
    this.detector.inspectStream(pv, f, tail, streamStart);
    f.toServer = ts; f.established = est;
  }

  /** The threshold / suppress state of the running detector (shared with app/stream alerts). */
  get detectorNow(): Detector {
    return this.detector;
  }

  private pollReload(): void {
    const sig = this.reloadSig!;
    const g = Atomics.load(sig, 0);
    if (g === this.reloadGen) return;
    this.reloadGen = g;
    const err = this.swap();
    Atomics.add(sig, err === null ? 1 : 2, 1);
    Atomics.notify(sig, 1);
  }

  onPacket(p: Packet, flows: FlowTable, slot: number, dir: number): void {
    // One Atomics.load per packet (~1 ns) so a reload takes effect at the next packet.
    if (this.reloadSig !== null && Atomics.load(this.reloadSig, 0) !== this.reloadGen) this.pollReload();
    let f = this.ctx[slot];
    if (f === null) {
      f = new FlowCtx();
      f.flowId = flows.flowId[slot];
      this.ctx[slot] = f;
    }
    f.toServer = dir === 0;
    if (this.appProtos !== null) f.appProto = this.appProtos[slot];
    if (this.streamState !== null) { const st = this.streamState[slot]; f.streamTracked = st >= 3 && st <= 9; }
    const tcp = flows.proto[slot] === 6;
    if (tcp) {
      // TCP: established once the stream is (Suricata sets the flow state after its stream
      // engine ran, so the packet that completes the 3-way handshake is not yet
      // established: like-ip-only-01). Without stream.midstream a session whose SYN was
      // not seen never becomes established (alert-no-3whs-established).
      if ((p.tcpFlags & 0x02) !== 0) f.sawSyn = true;
      f.established = f.establishedNext;
    } else {
      f.established = flows.pkts[slot * 2] > 0 && flows.pkts[slot * 2 + 1] > 0;
    }
    f.packetsToServer = flows.pkts[slot * 2];
    f.packetsToClient = flows.pkts[slot * 2 + 1];
    f.bytesToServer = flows.bytes[slot * 2];
    f.bytesToClient = flows.bytes[slot * 2 + 1];
    f.streamToServer = flows.payload[slot * 2];
    f.streamToClient = flows.payload[slot * 2 + 1];
    this.slot = slot;
    this.alertsThisPacket = 0;
    this.tagPassDone = false;
    this.detector.inspectPacket(p, f);
    this.tagPass(p, slot);
    if (tcp && !f.establishedNext) f.establishedNext = flows.tcp.isEstablished(slot) && (f.sawSyn || this.midstream);
  }

  onOtherPacket(p: Packet): void {
    // One Atomics.load per packet (~1 ns) so a reload takes effect at the next packet.
    if (this.reloadSig !== null && Atomics.load(this.reloadSig, 0) !== this.reloadGen) this.pollReload();
    if (p.ipVersion === 0 && p.eventCount === 0) return;
    this.slot = -1;
    this.alertsThisPacket = 0;
    this.tagPassDone = false;
    this.detector.inspectPacket(p, null);
    this.tagPass(p, -1);
  }

  /** After detection (Suricata PacketAlertFinalize → TagHandlePacket): one compare when nothing is tagged. */
  private tagPass(p: Packet, slot: number): void {
    this.tagPassDone = true;
    if (this.tags.active === 0) return;
    if (this.tags.onPacket(p, p.frameEnd - p.frameOff, slot)) this.onAlert(taggedPacketRecord(p, this.flows!, slot));
  }

  private alert(rule: Rule, p: Packet, f: FlowCtx | null): void {
    if (this.alertsThisPacket >= this.alertMax) {
      this.droppedByAlertMax++;
      return;
    }
    this.alertsThisPacket++;
    this.alerts++;
    const flows = this.flows!;
    const slot = f !== null ? this.slot : -1;
    if (slot >= 0) flows.alerted[slot]++;
    if (rule.tag !== null) this.tags.add(rule, p, p.frameEnd - p.frameOff || 0, slot, this.tagPassDone);
    const v4 = p.ipVersion === 4;
    const vlan: number[] = [];
    if (p.vlanCount > 0) vlan.push(p.vlan0);
    if (p.vlanCount > 1) vlan.push(p.vlan1);
    const rec: AlertRecord = {
      timestamp_us: p.tsUs,
      flow_id: slot >= 0 ? String(flows.flowId[slot]) : '0',
      community_id: slot >= 0 ? flows.communityIdOf(slot) : '',
      src_ip: formatAddr(p.src, 0, v4),
      src_port: p.proto === 6 || p.proto === 17 || p.proto === 132 ? p.sport : 0,
      dest_ip: formatAddr(p.dst, 0, v4),
      dest_port: p.proto === 6 || p.proto === 17 || p.proto === 132 ? p.dport : 0,
      proto: p.proto,
      vlan,
      in_iface: flows.ifaceNames[p.iface] ?? '',
      app_proto: '',
      action: 'allowed',
      gid: rule.gid,
      signature_id: rule.sid,
      rev: rule.rev,
      signature: rule.msg,
      category: rule.category,
      severity: rule.priority,
    };
    this.onAlert(rec);
  }

  stats(): Record<string, number> {
    const c = this.detector.counters;
    return {
      'detect.packets': c.packets, 'detect.prefilter_scans': c.prefilterScans, 'detect.candidates': c.candidates,
      'detect.rule_checks': c.ruleChecks, 'detect.alerts': this.alerts, 'detect.suppressed': c.suppressed,
      'detect.alert_max_dropped': this.droppedByAlertMax,
      'detect.stream_chunks': c.streamChunks, 'detect.stream_alerts': c.streamAlerts,
      'detect.reloads': this.reloads, 'detect.reload_failures': this.reloadFailures, 'detect.passed': c.passed, 'detect.passed_flow_packets': c.passedFlow, 'detect.invalid_checksum': c.invalidChecksum, 'detect.rules_loaded': this.ruleset.rules.length,
    };
  }
}

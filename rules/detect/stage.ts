import type { Packet } from '../../sensor/decode/packet.js';
import type { FlowTable } from '../../sensor/flow/table.js';
import type { PacketStage } from '../../sensor/pipeline.js';
import type { AlertRecord } from '../../sensor/output/alert-record.js';
import { formatAddr } from '../../sensor/flow/addr.js';
import { loadRules, type Ruleset } from '../loader.js';
import { compileRuleset } from '../compiler.js';
import { Detector } from './engine.js';
import { FlowCtx } from './flow-ctx.js';
import type { Rule } from '../types.js';
import type { ChecksumMode } from './checksum.js';
import { applyThresholdConfig, loadThresholdConfig } from '../threshold-config.js';

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
  /** threshold.config path (suppress / threshold / event_filter / rate_filter), or null. */
  thresholdFile?: string | null;
}

/**
 * Loads the rules and applies threshold.config. Throws (ThresholdConfigError) when the
 * threshold file is unreadable or malformed: a reload then keeps the old ruleset.
 */
export function loadDetectRuleset(s: DetectSettings): Ruleset {
  const vars = { address: s.addressGroups, port: s.portGroups };
  const rs = loadRules(s.paths, { vars, classificationFile: s.classificationFile ?? undefined });
  if (s.thresholdFile) applyThresholdConfig(rs.rules, loadThresholdConfig(s.thresholdFile, rs.ctx.vars));
  return rs;
}

/**
 * The detection stage of a worker's pipeline: keeps one FlowCtx per flow slot, tells the
 * detector the packet's direction and the flow's state, and turns matches into alert
 * records (EVE alert fields) for the outputs. Alert records are built only on a match.
 */
export class DetectStage implements PacketStage {
  readonly detector: Detector;
  readonly ruleset: Ruleset;
  private readonly ctx: (FlowCtx | null)[];
  private flows: FlowTable | null = null;
  private slot = -1;
  private alertsThisPacket = 0;
  private readonly alertMax: number;
  private readonly midstream: boolean;
  alerts = 0;
  droppedByAlertMax = 0;

  constructor(s: DetectSettings, flows: FlowTable, private readonly onAlert: (a: AlertRecord) => void) {
    this.ruleset = loadDetectRuleset(s);
    const compiled = compileRuleset(this.ruleset, { cacheDir: s.cacheDir ?? undefined });
    this.detector = new Detector(compiled, (rule, p, f) => this.alert(rule, p as Packet, f),
      { checksumValidation: s.checksumValidation ?? 'auto', actionOrder: s.actionOrder });
    this.ctx = new Array(flows.cap).fill(null);
    this.alertMax = s.packetAlertMax;
    this.midstream = s.midstream ?? false;
    this.flows = flows;
    flows.onEnd((slot) => {
      const c = this.ctx[slot];
      if (c !== null) this.ctx[slot] = null;
    });
  }

  onPacket(p: Packet, flows: FlowTable, slot: number, dir: number): void {
    let f = this.ctx[slot];
    if (f === null) {
      f = new FlowCtx();
      f.flowId = flows.flowId[slot];
      this.ctx[slot] = f;
    }
    f.toServer = dir === 0;
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
    this.detector.inspectPacket(p, f);
    if (tcp && !f.establishedNext) f.establishedNext = flows.tcp.isEstablished(slot) && (f.sawSyn || this.midstream);
  }

  onOtherPacket(p: Packet): void {
    if (p.ipVersion === 0 && p.eventCount === 0) return;
    this.slot = -1;
    this.alertsThisPacket = 0;
    this.detector.inspectPacket(p, null);
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
      'detect.passed': c.passed, 'detect.passed_flow_packets': c.passedFlow, 'detect.invalid_checksum': c.invalidChecksum, 'detect.rules_loaded': this.ruleset.rules.length,
    };
  }
}

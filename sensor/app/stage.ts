/**
 * The app-layer stage of a worker: a StreamConsumer for the TCP reassembler (in-order bytes
 * per flow slot and direction) and a PacketStage for UDP datagrams (DNS). Completed
 * transaction sides go to the app-layer rule inspector (rules/detect/app-inspect.ts) and to
 * an optional transaction callback (EVE app-layer events). Wiring is in sensor/build.ts:
 * a consumer of the reassembler's StreamFanout, a pipeline stage before detection, the
 * DetectStage's FlowCtx per flow (flowbits/flowints shared with packet rules) and its
 * threshold table. `layer.name(slot)` is the flow record's app_proto.
 */
import type { Packet } from '../decode/packet.js';
import type { FlowTable } from '../flow/table.js';
import type { PacketStage } from '../pipeline.js';
import type { AlertRecord } from '../output/alert-record.js';
import type { StreamConsumer } from '../../reassembly/tcp.js';
import { formatAddr } from '../flow/addr.js';
import { AppInspector, type FlowEnds } from '../../rules/detect/app-inspect.js';
import { FlowCtx } from '../../rules/detect/flow-ctx.js';
import { emptyPacketView, type PacketView } from '../../rules/detect/packet-view.js';
import type { DetectStage } from '../../rules/detect/stage.js';
import type { StreamDetect } from '../../rules/detect/stream-stage.js';
import type { Rule } from '../../rules/types.js';
import { AppLayer } from './layer.js';
import { APP_PROTO_NAMES, AppProto, TO_SERVER, type AppTx } from './types.js';

const UDP = 17;

declare module '../output/alert-record.js' {
  interface AlertRecord {
    /** App-layer fields of the transaction an app rule matched, keyed as EVE writes them ({http: {...}}). */
    app?: Record<string, unknown>;
  }
}

export class AppStage implements PacketStage, StreamConsumer {
  readonly layer: AppLayer;
  inspector: AppInspector | null;
  private flows: FlowTable;
  /** Per-slot detection state when no DetectStage shares its own (tests, rules-less runs). */
  private readonly ctx: (FlowCtx | null)[];
  private readonly ends: FlowEnds;
  /** Threshold input for app alerts: addresses/time of the transaction (no packet here). */
  private readonly pv: PacketView = emptyPacketView();
  private nBits = 0;
  private nInts = 0;
  alerts = 0;
  suppressed = 0;
  /** Raw stream tails for app rules with payload parts (set by sensor/build.ts). */
  raw: StreamDetect | null = null;
  /** The UDP datagram being parsed (raw data of DNS transactions). */
  private udp: Uint8Array | null = null;
  private udpOff = 0;
  private udpLen = 0;

  constructor(flows: FlowTable, rules: readonly Rule[] | null, private readonly onAlert: (a: AlertRecord) => void = () => {},
    private readonly onTx: ((slot: number, tx: AppTx, dir: number) => void) | null = null, ctxSizes?: { bits: number; ints: number },
    private readonly detect: DetectStage | null = null) {
    this.flows = flows;
    this.layer = new AppLayer(flows.cap, (slot, tx, dir) => this.tx(slot, tx, dir));
    // FTP: ftpbounce compares PORT addresses with the client's (IPv4 in word 3); ftp-data
    // flows are matched by their server endpoint (IPv4 or IPv6; reversed flows swap ends).
    this.layer.addrV4 = (slot, client) => (flows.ipv[slot] === 4 ? flows.addr[slot * 8 + ((this.layer.reversed[slot] === 1) === client ? 4 : 0) + 3] : -1);
    this.layer.addrKey = (slot, client) => {
      const a = slot * 8 + ((this.layer.reversed[slot] === 1) === client ? 4 : 0), w = flows.addr;
      return flows.ipv[slot] === 4 ? String(w[a + 3]) : `${w[a]}.${w[a + 1]}.${w[a + 2]}.${w[a + 3]}`;
    };
    const rs = detect ? detect.ruleset.rules : rules;
    this.inspector = rs ? new AppInspector(rs, (r, tx, dir) => this.alert(r, tx, dir)) : null;
    this.ctx = new Array(flows.cap).fill(null);
    this.ends = { ipVersion: 4, proto: 6, client: new Uint32Array(4), server: new Uint32Array(4), clientPort: 0, serverPort: 0, appProto: 0, appProtoTs: 0, appProtoTc: 0 };
    if (ctxSizes) { this.nBits = ctxSizes.bits; this.nInts = ctxSizes.ints; }
    if (detect) {
      detect.appProtos = this.layer.proto;
      detect.onSwap((next) => {
        const old = this.inspector;
        this.inspector = new AppInspector(next.rules, (r, tx, dir) => this.alert(r, tx, dir));
        old?.free();
      });
    }
    // Flow end: the reassembler's onEnding flush delivered the last bytes; closing the
    // parsers here completes open transactions while the flow's FlowCtx still exists
    // (DetectStage drops it in onEnd). The record step reads app_proto, onEnd resets.
    flows.onEnding((slot) => this.layer.finish(slot));
    flows.addRecordFields((slot, rec) => { const n = this.layer.name(slot); if (n && n !== 'failed') rec.app_proto = n; });
    flows.onEnd((slot) => { this.layer.end(slot); this.ctx[slot] = null; });
  }

  private slot = -1;

  /**
   * Events a transaction had when its to-server side was inspected. Suricata (IDS mode)
   * parses a direction's data when the peer acknowledges it and inspects the to-server side
   * of a transaction on the client's next packet, which usually acknowledges the response:
   * to_server rules then see events the response raised (bug-2511:
   * http.too_many_encoding_layers). So a to-server side is inspected once more when the
   * response side added events. The count is kept on the transaction (tx.marks.evAtReq).
   */

  private tx(slot: number, tx: AppTx, dir: number): void {
    this.onTx?.(slot, tx, dir);
    // A completed transaction side: the raw stream of that direction is inspected with the
    // chunk being delivered (Suricata's AppLayerParserTriggerRawStreamReassembly).
    if (this.raw !== null && this.flows.proto[slot] === 6) this.raw.trigger(slot, (dir === TO_SERVER) !== (this.layer.reversed[slot] === 1));
    if (!this.inspector) return;
    if (dir === TO_SERVER) tx.marks.evAtReq = tx.events.length;
    else {
      const n = tx.marks.evAtReq;
      if (n >= 0 && tx.events.length > n) {
        tx.marks.evAtReq = -1;
        this.inspector.again = true;
        this.inspectSide(slot, tx, TO_SERVER);
        this.inspector.again = false;
      }
    }
    this.inspectSide(slot, tx, dir);
  }

  private inspectSide(slot: number, tx: AppTx, dir: number): void {
    const ins = this.inspector;
    if (!ins) return;
    const fl = this.flows, e = this.ends, a = slot * 8;
    e.ipVersion = fl.ipv[slot]; e.proto = fl.proto[slot];
    const rv = this.layer.reversed[slot] === 1;
    for (let i = 0; i < 4; i++) { e.client[i] = fl.addr[a + (rv ? 4 : 0) + i]; e.server[i] = fl.addr[a + (rv ? 0 : 4) + i]; }
    e.clientPort = rv ? fl.dport[slot] : fl.sport[slot]; e.serverPort = rv ? fl.sport[slot] : fl.dport[slot];
    e.appProto = this.layer.proto[slot];
    e.appProtoTs = this.layer.protoDir[slot * 2]; e.appProtoTc = this.layer.protoDir[slot * 2 + 1];
    let c: FlowCtx;
    if (this.detect) c = this.detect.flowCtx(slot);
    else {
      let x = this.ctx[slot];
      if (x === null) { x = new FlowCtx(); x.flowId = fl.flowId[slot]; x.ensure(this.nBits, this.nInts, 0); this.ctx[slot] = x; }
      c = x;
    }
    if (c.passed) return;
    c.appProto = e.appProto;
    this.slot = slot;
    this.cur = c;
    if (e.proto === UDP && this.udp !== null) { ins.raw = this.udp.subarray(this.udpOff, this.udpOff + this.udpLen); ins.rawLen = this.udpLen; }
    else if (this.raw !== null) {
      const ts = (dir === TO_SERVER) !== rv, cur = this.chunk !== null && this.chunkSlot === slot && this.chunkToServer === ts;
      ins.rawLen = this.raw.assemble(slot, ts, cur ? this.chunk : null, this.chunkOff, this.chunkLen);
      ins.raw = this.raw.rawView;
    }
    else { ins.raw = null; ins.rawLen = 0; }
    ins.inspect(tx, dir, e, c, fl.lastUs[slot]);
  }

  private cur: FlowCtx | null = null;

  private alert(rule: Rule, tx: AppTx, dir: number): void {
    const fl = this.flows, slot = this.slot, a = slot * 8, v4 = fl.ipv[slot] === 4;
    // Endpoint orientation in flow-table terms (a reversed flow's client is the table's server).
    const ts = (dir === TO_SERVER) !== (this.layer.reversed[slot] === 1);
    if (rule.action === 'pass') { if (this.cur) this.cur.passed = true; return; }
    const pv = this.pv;
    if (this.detect && (rule.threshold || rule.detectionFilter || rule.suppress.length || rule.rateFilter || rule.tag !== null)) {
      pv.ipVersion = fl.ipv[slot]; pv.tsUs = fl.lastUs[slot]; pv.proto = fl.proto[slot];
      for (let i = 0; i < 4; i++) { pv.src[i] = fl.addr[(ts ? a : a + 4) + i]; pv.dst[i] = fl.addr[(ts ? a + 4 : a) + i]; }
      if (!this.detect.detectorNow.thresholds.allow(rule, pv, this.cur)) { this.suppressed++; return; }
    }
    this.alerts++;
    // tag: installed like a packet alert's (rules/detect/tag.ts), for the flow or the
    // transaction side's src/dst host. The packet that completed the transaction has not
    // been through the detect stage's tag pass yet (this stage runs before detection), so
    // it is counted there as the alerting packet (counted = false).
    if (this.detect && rule.tag !== null) this.detect.tags.add(rule, pv, 0, slot, false);
    fl.alerted[slot]++;
    const vlan: number[] = [];
    if (fl.vlanCount[slot] > 0) vlan.push(fl.vlan0[slot]);
    if (fl.vlanCount[slot] > 1) vlan.push(fl.vlan1[slot]);
    this.onAlert({
      timestamp_us: fl.lastUs[slot],
      flow_id: String(fl.flowId[slot]),
      community_id: fl.communityIdOf(slot),
      src_ip: formatAddr(fl.addr, ts ? a : a + 4, v4),
      src_port: ts ? fl.sport[slot] : fl.dport[slot],
      dest_ip: formatAddr(fl.addr, ts ? a + 4 : a, v4),
      dest_port: ts ? fl.dport[slot] : fl.sport[slot],
      proto: fl.proto[slot],
      vlan,
      in_iface: fl.ifaceNames[fl.iface[slot]] ?? '',
      app_proto: APP_PROTO_NAMES[tx.proto],
      action: 'allowed',
      gid: rule.gid, signature_id: rule.sid, rev: rule.rev, signature: rule.msg,
      category: rule.category, severity: rule.priority,
      // Suricata logs HTTP/2 transactions under "http" (with an http2 sub-object).
      app: { [tx.proto === AppProto.HTTP2 ? 'http' : APP_PROTO_NAMES[tx.proto]]: tx.eve() },
    });
  }

  onPacket(p: Packet, _flows: FlowTable, slot: number, dir: number): void {
    if (p.proto !== UDP || p.payLen === 0) return;
    const fl = this.flows;
    this.udp = p.data; this.udpOff = p.payOff; this.udpLen = p.payLen;
    this.layer.datagram(slot, dir === 0, p.data, p.payOff, p.payLen, fl.sport[slot], fl.dport[slot]);
    this.udp = null;
  }

  /** The chunk being delivered (raw data of transactions it completes). */
  private chunk: Uint8Array | null = null;
  private chunkSlot = -1;
  private chunkToServer = false;
  private chunkOff = 0;
  private chunkLen = 0;

  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number): void {
    this.chunk = bytes; this.chunkSlot = flow; this.chunkToServer = toServer; this.chunkOff = off; this.chunkLen = len;
    this.layer.data(flow, toServer, bytes, off, len, this.flows.sport[flow], this.flows.dport[flow]);
    this.chunk = null;
  }

  onGap(flow: number, toServer: boolean, _streamOffset: number, len: number): void {
    this.layer.gap(flow, toServer, len);
  }

  onClose(flow: number, toServer: boolean): void {
    this.layer.close(flow, toServer);
  }

  stats(): Record<string, number> {
    const c = this.layer.counters;
    const out: Record<string, number> = {
      'app_layer.failed': c.failed, 'app_layer.gaps': c.gaps, 'app_layer.tx': c.txs, 'app_layer.dns_malformed': c.dnsMalformed,
      'app_layer.alerts': this.alerts,
    };
    for (let i = 1; i < APP_PROTO_NAMES.length; i++) if (i !== 5) out[`app_layer.flow.${APP_PROTO_NAMES[i]}`] = c.detected[i];
    if (this.inspector) { out['app_layer.rule_checks'] = this.inspector.counters.ruleChecks; out['app_layer.rules'] = this.inspector.size; out['app_layer.prefilter_scans'] = this.inspector.counters.scans; }
    return out;
  }
}

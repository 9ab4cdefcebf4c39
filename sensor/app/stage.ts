/**
 * The app-layer stage of a worker: a StreamConsumer for the TCP reassembler (in-order bytes
 * per flow slot and direction) and a PacketStage for UDP datagrams (DNS). Completed
 * transaction sides go to the app-layer rule inspector (rules/detect/app-inspect.ts) and to
 * an optional transaction callback (EVE app-layer events). Wiring (sensor/build.ts):
 *
 *   const app = new AppStage(pipeline.flows, detectRuleset?.rules ?? null, onAlert);
 *   const reasm = new ReassemblyStage(pipeline.flows, reassemblyCfg, app);  // app = consumer
 *   pipeline.addStage(reasm); pipeline.addStage(app);                       // UDP via onPacket
 *
 * `app.layer.name(slot)` is the flow record's app_proto.
 */
import type { Packet } from '../decode/packet.js';
import type { FlowTable } from '../flow/table.js';
import type { PacketStage } from '../pipeline.js';
import type { AlertRecord } from '../output/alert-record.js';
import type { StreamConsumer } from '../../reassembly/tcp.js';
import { formatAddr } from '../flow/addr.js';
import { AppInspector, type FlowEnds } from '../../rules/detect/app-inspect.js';
import { FlowCtx } from '../../rules/detect/flow-ctx.js';
import type { Rule } from '../../rules/types.js';
import { AppLayer } from './layer.js';
import { APP_PROTO_NAMES, TO_SERVER, type AppTx } from './types.js';

const UDP = 17;

export class AppStage implements PacketStage, StreamConsumer {
  readonly layer: AppLayer;
  readonly inspector: AppInspector | null;
  private flows: FlowTable;
  /** Per-slot detection state for app rules (flowbits/flowints). */
  private readonly ctx: (FlowCtx | null)[];
  private readonly ends: FlowEnds;
  private nBits = 0;
  private nInts = 0;
  alerts = 0;

  constructor(flows: FlowTable, rules: readonly Rule[] | null, private readonly onAlert: (a: AlertRecord) => void = () => {},
    private readonly onTx: ((slot: number, tx: AppTx, dir: number) => void) | null = null, ctxSizes?: { bits: number; ints: number }) {
    this.flows = flows;
    this.layer = new AppLayer(flows.cap, (slot, tx, dir) => this.tx(slot, tx, dir));
    this.inspector = rules ? new AppInspector(rules, (r, tx, dir) => this.alert(r, tx, dir)) : null;
    this.ctx = new Array(flows.cap).fill(null);
    this.ends = { ipVersion: 4, proto: 6, client: new Uint32Array(4), server: new Uint32Array(4), clientPort: 0, serverPort: 0, appProto: 0 };
    if (ctxSizes) { this.nBits = ctxSizes.bits; this.nInts = ctxSizes.ints; }
    flows.onEnd((slot) => { this.layer.end(slot); this.ctx[slot] = null; });
  }

  private slot = -1;

  private tx(slot: number, tx: AppTx, dir: number): void {
    this.onTx?.(slot, tx, dir);
    const ins = this.inspector;
    if (!ins) return;
    const fl = this.flows, e = this.ends, a = slot * 8;
    e.ipVersion = fl.ipv[slot]; e.proto = fl.proto[slot];
    for (let i = 0; i < 4; i++) { e.client[i] = fl.addr[a + i]; e.server[i] = fl.addr[a + 4 + i]; }
    e.clientPort = fl.sport[slot]; e.serverPort = fl.dport[slot];
    e.appProto = this.layer.proto[slot];
    let c = this.ctx[slot];
    if (c === null) { c = new FlowCtx(); c.flowId = fl.flowId[slot]; c.ensure(this.nBits, this.nInts, 0); this.ctx[slot] = c; }
    this.slot = slot;
    ins.inspect(tx, dir, e, c, fl.lastUs[slot]);
  }

  private alert(rule: Rule, tx: AppTx, dir: number): void {
    const fl = this.flows, slot = this.slot, a = slot * 8, v4 = fl.ipv[slot] === 4;
    const ts = dir === TO_SERVER;
    this.alerts++;
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
    });
  }

  onPacket(p: Packet, _flows: FlowTable, slot: number, dir: number): void {
    if (p.proto !== UDP || p.payLen === 0) return;
    const fl = this.flows;
    this.layer.datagram(slot, dir === 0, p.data, p.payOff, p.payLen, fl.sport[slot], fl.dport[slot]);
  }

  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number): void {
    this.layer.data(flow, toServer, bytes, off, len, this.flows.sport[flow], this.flows.dport[flow]);
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
    for (let i = 1; i < 5; i++) out[`app_layer.flow.${APP_PROTO_NAMES[i]}`] = c.detected[i];
    if (this.inspector) { out['app_layer.rule_checks'] = this.inspector.counters.ruleChecks; out['app_layer.rules'] = this.inspector.size; }
    return out;
  }
}

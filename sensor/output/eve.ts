import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { FlowRecord } from '../flow/record.js';
import type { AlertRecord } from './alert-record.js';

/**
 * EVE JSON lines (Suricata's eve.json): one event per line. Flow events are written here;
 * alert events go through the same writer (`line()`), so one file carries both like Suricata's.
 * Writes go to a stream off the packet path; close() waits until everything is on disk.
 */
export class EveWriter {
  private constructor(private readonly out: WriteStream) {}

  static async open(path: string): Promise<EveWriter> {
    const out = createWriteStream(path, { flags: 'w' });
    await once(out, 'open');
    return new EveWriter(out);
  }

  line(event: object): void {
    this.out.write(JSON.stringify(event) + '\n');
  }

  flows(records: readonly FlowRecord[]): void {
    let s = '';
    for (const r of records) s += JSON.stringify(flowEvent(r)) + '\n';
    this.out.write(s);
  }

  alerts(records: readonly AlertRecord[]): void {
    let s = '';
    for (const a of records) s += JSON.stringify(a.tagged_packet ? packetEvent(a) : alertEvent(a)) + '\n';
    this.out.write(s);
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 58: 'IPv6-ICMP', 132: 'SCTP' };

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

/** Suricata's timestamp format: 2019-06-27T14:01:14.669569+0000 (UTC). */
export function eveTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2019-06-27T14:01:14.669Z
  const frac = String(Math.floor(us % 1_000_000)).padStart(6, '0');
  return iso.slice(0, 19) + '.' + frac + '+0000';
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** A flow record as Suricata's EVE `flow` event (src/output-json-flow.c field names). */
export function flowEvent(r: FlowRecord): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    timestamp: eveTimestamp(r.end_us),
    flow_id: Number(r.flow_id),
    in_iface: r.in_iface || undefined,
    event_type: 'flow',
    vlan: r.vlan.length ? r.vlan : undefined,
    src_ip: r.src_ip,
    src_port: r.proto === 6 || r.proto === 17 || r.proto === 132 ? r.src_port : undefined,
    dest_ip: r.dest_ip,
    dest_port: r.proto === 6 || r.proto === 17 || r.proto === 132 ? r.dest_port : undefined,
    proto: protoName(r.proto),
    icmp_type: r.icmp_type >= 0 ? r.icmp_type : undefined,
    icmp_code: r.icmp_type >= 0 ? r.icmp_code : undefined,
    response_icmp_type: r.response_icmp_type >= 0 ? r.response_icmp_type : undefined,
    response_icmp_code: r.response_icmp_type >= 0 ? r.response_icmp_code : undefined,
    app_proto: r.app_proto || undefined,
    community_id: r.community_id,
    flow: {
      pkts_toserver: r.pkts_toserver,
      pkts_toclient: r.pkts_toclient,
      bytes_toserver: r.bytes_toserver,
      bytes_toclient: r.bytes_toclient,
      start: eveTimestamp(r.start_us),
      end: eveTimestamp(r.end_us),
      age: Math.round((r.end_us - r.start_us) / 1e6),
      state: r.state,
      reason: r.reason,
      alerted: r.alerted > 0,
    },
    conn_state: r.conn_state || undefined,
    history: r.history || undefined,
  };
  if (r.proto === 6) {
    ev.tcp = { tcp_flags: hex(r.tcp_flags), tcp_flags_ts: hex(r.tcp_flags_ts), tcp_flags_tc: hex(r.tcp_flags_tc), state: r.tcp_state };
    ev.stream = {
      reassembled_bytes_toserver: r.reassembled_bytes_toserver, reassembled_bytes_toclient: r.reassembled_bytes_toclient,
      gaps_toserver: r.gaps_toserver, gaps_toclient: r.gaps_toclient, events: r.stream_events,
    };
  }
  return ev;
}

/** pcap link type names as libpcap's pcap_datalink_val_to_name gives them (Suricata's linktype_name). */
const LINKTYPE_NAMES: Record<number, string> = { 0: 'NULL', 1: 'EN10MB', 12: 'RAW', 101: 'RAW', 113: 'LINUX_SLL', 276: 'LINUX_SLL2', 228: 'IPV4', 229: 'IPV6' };

/** The EVE header Suricata writes for packet-bound events (src/output-json.c CreateEveHeader). */
function eveHeader(a: AlertRecord, eventType: string): Record<string, unknown> {
  const ports = a.proto === 6 || a.proto === 17 || a.proto === 132;
  return {
    timestamp: eveTimestamp(a.timestamp_us),
    flow_id: a.flow_id === '0' ? undefined : Number(a.flow_id),
    in_iface: a.in_iface || undefined,
    event_type: eventType,
    vlan: a.vlan.length ? a.vlan : undefined,
    src_ip: a.src_ip,
    src_port: ports ? a.src_port : undefined,
    dest_ip: a.dest_ip,
    dest_port: ports ? a.dest_port : undefined,
    proto: protoName(a.proto),
    community_id: a.community_id || undefined,
  };
}

/**
 * A tagged packet (rules/detect/tag.ts) as Suricata's EVE `packet` event: the EVE header of
 * the packet (timestamp, flow_id, five-tuple, community_id) plus `packet` (the captured frame,
 * base64) and `packet_info.linktype` (src/output-json.c EvePacket).
 */
export function packetEvent(a: AlertRecord): Record<string, unknown> {
  const t = a.tagged_packet!;
  return {
    ...eveHeader(a, 'packet'),
    packet: t.packet,
    packet_info: { linktype: t.linktype, linktype_name: LINKTYPE_NAMES[t.linktype] ?? 'n/a' },
  };
}

/** An alert record as Suricata's EVE `alert` event (src/output-json-alert.c field names). */
export function alertEvent(a: AlertRecord): Record<string, unknown> {
  return {
    ...eveHeader(a, 'alert'),
    alert: {
      action: a.action, gid: a.gid, signature_id: a.signature_id, rev: a.rev,
      signature: a.signature, category: a.category, severity: a.severity,
    },
    app_proto: a.app_proto || undefined,
    // The transaction's app-layer fields as Suricata writes them next to the alert
    // (http{hostname,url,...}, dns{...}, tls{sni,version,ja3,...}, ssh{...}).
    ...(a.app ?? {}),
    payload: a.payload,
  };
}

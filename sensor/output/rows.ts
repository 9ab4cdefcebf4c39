/**
 * FlowRecord / AlertRecord → one JSONCompactEachRow line (a JSON array in column order) for
 * the `flows` / `alerts` tables.
 *
 * Lines are built once, when the record is queued: the same text is the INSERT body, the
 * spool file content and the replay input, so an outage costs no re-encoding.
 * JSONCompactEachRow: 2.3x the insert rate of JSONEachRow through chdb (≈100k vs ≈44k rows/s,
 * bench/store-insert.ts), same as TabSeparated but with JSON escaping rules, and it is a
 * text format so it works through chdb/connection (which turns the body into a string).
 * A template literal is ~5x cheaper than an object + JSON.stringify (1.3 vs 6.9 µs/row);
 * free-text fields still go through JSON.stringify for escaping.
 *
 * Times: DateTime64(6) columns are sent as "seconds.micros" text, which ClickHouse parses
 * exactly (a JS double would lose the last microsecond digit past 2^53 ns).
 */
import type { FlowRecord } from '../flow/record.js';
import type { AlertRecord } from './alert-record.js';

/** Column lists in the order the encoders write them (documented in docs/schema.md). */
export const FLOW_COLUMNS = [
  'flow_id', 'community_id', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'app_proto', 'vlan',
  'in_iface', 'tunnel_depth', 'pkts_toserver', 'pkts_toclient', 'bytes_toserver', 'bytes_toclient',
  'payload_bytes_toserver', 'payload_bytes_toclient', 'start', 'end', 'state', 'reason', 'tcp_flags',
  'tcp_flags_ts', 'tcp_flags_tc', 'tcp_state', 'conn_state', 'history', 'icmp_type', 'icmp_code',
  'response_icmp_type', 'response_icmp_code', 'alerted',
  'reassembled_bytes_toserver', 'reassembled_bytes_toclient', 'gaps_toserver', 'gaps_toclient', 'stream_events',
] as const;

export const ALERT_COLUMNS = [
  'timestamp', 'flow_id', 'community_id', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'vlan',
  'in_iface', 'app_proto', 'action', 'gid', 'signature_id', 'rev', 'signature', 'category', 'severity', 'payload',
] as const;

/** Microseconds since the epoch → "s.uuuuuu" (DateTime64(6) text). Negative/NaN clamp to 0. */
export function microsToText(us: number): string {
  if (!(us > 0)) return '0.000000';
  const s = Math.floor(us / 1e6);
  const frac = us - s * 1e6;
  return `${s}.${String(frac).padStart(6, '0')}`;
}

const U64 = /^[0-9]{1,20}$/;

/** Non-decimal flow ids would make the whole batch fail to parse; they become "0" (counted by caller). */
export function safeFlowId(id: string): string {
  return U64.test(id) ? id : '0';
}

function vlanText(v: number[]): string {
  return v.length === 0 ? '[]' : `[${v.join(',')}]`;
}

export function flowToRowLine(r: FlowRecord): string {
  // Order must match FLOW_COLUMNS.
  return `["${safeFlowId(r.flow_id)}",${JSON.stringify(r.community_id)},${JSON.stringify(r.src_ip)},${r.src_port | 0},` +
    `${JSON.stringify(r.dest_ip)},${r.dest_port | 0},${r.proto | 0},${JSON.stringify(r.app_proto)},${vlanText(r.vlan)},` +
    `${JSON.stringify(r.in_iface)},${r.tunnel_depth | 0},${r.pkts_toserver},${r.pkts_toclient},${r.bytes_toserver},` +
    `${r.bytes_toclient},${r.payload_bytes_toserver},${r.payload_bytes_toclient},` +
    `"${microsToText(r.start_us)}","${microsToText(r.end_us)}",${JSON.stringify(r.state)},${JSON.stringify(r.reason)},` +
    `${r.tcp_flags & 255},${r.tcp_flags_ts & 255},${r.tcp_flags_tc & 255},${JSON.stringify(r.tcp_state)},` +
    `${JSON.stringify(r.conn_state)},${JSON.stringify(r.history)},${r.icmp_type | 0},${r.icmp_code | 0},` +
    `${r.response_icmp_type | 0},${r.response_icmp_code | 0},${r.alerted | 0},` +
    `${r.reassembled_bytes_toserver},${r.reassembled_bytes_toclient},${r.gaps_toserver | 0},${r.gaps_toclient | 0},` +
    `${JSON.stringify(r.stream_events)}]`;
}

export function alertToRowLine(a: AlertRecord): string {
  // Order must match ALERT_COLUMNS.
  return `["${microsToText(a.timestamp_us)}","${safeFlowId(a.flow_id)}",${JSON.stringify(a.community_id)},` +
    `${JSON.stringify(a.src_ip)},${a.src_port | 0},${JSON.stringify(a.dest_ip)},${a.dest_port | 0},${a.proto | 0},` +
    `${vlanText(a.vlan)},${JSON.stringify(a.in_iface)},${JSON.stringify(a.app_proto)},${JSON.stringify(a.action)},` +
    `${a.gid >>> 0},${a.signature_id >>> 0},${a.rev >>> 0},${JSON.stringify(a.signature)},${JSON.stringify(a.category)},` +
    `${a.severity & 255},${JSON.stringify(a.payload ?? '')}]`;
}

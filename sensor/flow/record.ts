/**
 * The flow record: what a worker emits when a flow ends (or periodically for long flows),
 * what the store writes to the `flows` table and what the API returns.
 *
 * Field names follow Suricata's EVE `flow` event (src/output-json-flow.c) so tools that read
 * EVE feel at home; Zeek conn.log fields (`conn_state`, `history`, payload byte counts) and
 * Community ID v1 are added because users ask for them (docs/FIELD-NOTES).
 *
 * "src" is the side that started the flow (the TCP client when the handshake was seen, else
 * the sender of the first packet); "toserver" is src -> dest.
 */
export interface FlowRecord {
  /** Deterministic 64-bit id (decimal string): hash of the key and the start time. */
  flow_id: string;
  /** Community ID v1 ("1:base64"), seed 0. */
  community_id: string;
  /** Addresses as text: dotted quad for IPv4, RFC 5952 for IPv6. */
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  /** IANA protocol number. */
  proto: number;
  /** Application protocol once detected ("" until app-layer detection exists). */
  app_proto: string;
  /** 802.1Q/QinQ ids, outermost first; empty when untagged. */
  vlan: number[];
  /** Capture interface name or pcap file the flow was seen on. */
  in_iface: string;
  /** Tunnel nesting depth of this flow's IP layer (0 = not tunnelled). */
  tunnel_depth: number;
  pkts_toserver: number;
  pkts_toclient: number;
  /** Frame bytes on the wire (like Suricata's bytes_* and tshark's conversation bytes). */
  bytes_toserver: number;
  bytes_toclient: number;
  /** Transport payload bytes (Zeek orig_bytes / resp_bytes, without retransmission logic). */
  payload_bytes_toserver: number;
  payload_bytes_toclient: number;
  /** Microseconds since the Unix epoch of the first and last packet. */
  start_us: number;
  end_us: number;
  /** new | established | closed (Suricata's flow.state). */
  state: 'new' | 'established' | 'closed';
  /** Why the record was written. */
  reason: 'timeout' | 'fin' | 'rst' | 'shutdown' | 'evicted' | 'periodic' | 'reuse';
  /** TCP flags seen (OR of all packets), per direction; 0 for other protocols. */
  tcp_flags: number;
  tcp_flags_ts: number;
  tcp_flags_tc: number;
  /** TCP state name (Suricata names: syn_sent, syn_recv, established, fin_wait1, ..., closed) or "". */
  tcp_state: string;
  /** Zeek conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH) or "". */
  conn_state: string;
  /** Zeek history string (e.g. "ShADadFf"), "" for non-TCP/UDP. */
  history: string;
  /** ICMP type/code of the first packet and of the first response, -1 when none. */
  icmp_type: number;
  icmp_code: number;
  response_icmp_type: number;
  response_icmp_code: number;
  /** Number of alerts raised on the flow. */
  alerted: number;
  /** TCP: stream bytes delivered in order by reassembly per direction (0 for other protocols). */
  reassembled_bytes_toserver: number;
  reassembled_bytes_toclient: number;
  /** TCP: holes in each stream (lost segments) delivered as gaps. */
  gaps_toserver: number;
  gaps_toclient: number;
  /** TCP: stream events seen on the flow (Suricata names, e.g. stream.pkt_invalid_timestamp). */
  stream_events: string[];
}

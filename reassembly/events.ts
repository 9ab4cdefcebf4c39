/**
 * Stream events (one bit each in a flow's event set, also counted globally) and global TCP
 * counters. Names follow Suricata's (src/decode-events.c `stream.*`, src/stream-tcp.c
 * `tcp.*` stats) where Suricata has the same event; the few Fennec-only ones say so.
 */
export const enum StreamEvent {
  THREEWHS_SYNACK_WRONG_ACK, // stream.3whs_synack_with_wrong_ack
  THREEWHS_SYN_RESEND_DIFF_SEQ, // stream.3whs_syn_resend_diff_seq
  THREEWHS_SYNACK_RESEND_DIFF_SEQ, // stream.3whs_synack_resend_with_diff_seq
  THREEWHS_ACK_WRONG_SEQ, // stream.3whs_wrong_seq_wrong_ack
  EST_SYN_RESEND_DIFF_SEQ, // stream.est_syn_resend_diff_seq
  EST_PACKET_OUT_OF_WINDOW, // stream.est_packet_out_of_window
  PKT_BAD_WINDOW_UPDATE, // stream.pkt_bad_window_update
  RST_INVALID, // stream.rst_invalid (Fennec: RST outside the receiver's window, ignored)
  RST_WITH_DATA, // stream.rst_with_data (Fennec: RFC 1122 4.2.2.12 diagnostic payload, not delivered)
  PKT_AFTER_FIN, // stream.pkt_after_fin (Fennec: data past the sender's FIN)
  FIN_OUT_OF_WINDOW, // stream.fin_out_of_window
  OVERLAP_DIFFERENT_DATA, // stream.reassembly_overlap_different_data
  SEQ_GAP, // stream.reassembly_seq_gap
  DEPTH_REACHED, // stream.reassembly_depth_reached
  PKT_RETRANSMISSION, // stream.pkt_retransmission
  SEGMENT_BEFORE_BASE_SEQ, // stream.reassembly_segment_before_base_seq
  MEMCAP, // stream.reassembly_memcap (Fennec: this flow lost buffered bytes to the memcap)
  MIDSTREAM, // stream.midstream (Fennec: session picked up without its handshake)
  ASYNC, // stream.async (Fennec: only one direction seen)
  PKT_INVALID_ACK, // stream.pkt_invalid_ack
  SYN_AFTER_CLOSE, // stream.shutdown_syn_resend (a new SYN on a closed session: port reuse)
  TFO_DATA, // stream.tfo_data_on_syn (Fennec: TCP Fast Open data, RFC 7413)
  COUNT,
}

export const STREAM_EVENT_NAMES: readonly string[] = [
  'stream.3whs_synack_with_wrong_ack',
  'stream.3whs_syn_resend_diff_seq',
  'stream.3whs_synack_resend_with_diff_seq',
  'stream.3whs_wrong_seq_wrong_ack',
  'stream.est_syn_resend_diff_seq',
  'stream.est_packet_out_of_window',
  'stream.pkt_bad_window_update',
  'stream.rst_invalid',
  'stream.rst_with_data',
  'stream.pkt_after_fin',
  'stream.fin_out_of_window',
  'stream.reassembly_overlap_different_data',
  'stream.reassembly_seq_gap',
  'stream.reassembly_depth_reached',
  'stream.pkt_retransmission',
  'stream.reassembly_segment_before_base_seq',
  'stream.reassembly_memcap',
  'stream.midstream',
  'stream.async',
  'stream.pkt_invalid_ack',
  'stream.shutdown_syn_resend',
  'stream.tfo_data_on_syn',
];

export function eventNames(bits: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < StreamEvent.COUNT; i++) if (bits & (1 << i)) out.push(STREAM_EVENT_NAMES[i]!);
  return out;
}

export const enum TcpCounter {
  SESSIONS,
  SYN,
  SYNACK,
  RST,
  MIDSTREAM,
  REUSE,
  SEGMENTS,
  PAYLOAD_BYTES,
  REASSEMBLED_BYTES,
  GAPS,
  GAP_BYTES,
  OVERLAP,
  OVERLAP_DIFF,
  OOO_SEGMENTS,
  SEGMENT_MEMCAP_DROP,
  MEMCAP_EVICTIONS,
  MEMCAP_IMMEDIATE,
  DEPTH_REACHED,
  INVALID,
  COUNT,
}

export const TCP_COUNTER_NAMES: readonly string[] = [
  'tcp.sessions',
  'tcp.syn',
  'tcp.synack',
  'tcp.rst',
  'tcp.midstream_pickups',
  'tcp.ssn_reuse',
  'tcp.segments',
  'tcp.payload_bytes',
  'tcp.reassembled_bytes',
  'tcp.reassembly_gap',
  'tcp.reassembly_gap_bytes',
  'tcp.overlap',
  'tcp.overlap_diff_data',
  'tcp.out_of_order_segments',
  'tcp.segment_memcap_drop',
  'tcp.memcap_evictions',
  'tcp.memcap_immediate_delivery',
  'tcp.reassembly_depth_reached',
  'tcp.invalid',
];

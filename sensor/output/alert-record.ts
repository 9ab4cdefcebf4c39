/**
 * The alert record: what the detection stage emits when a rule matches, what the store
 * writes to the `alerts` table and what `GET /api/v1/alerts` returns.
 *
 * Mirrors Suricata's EVE `alert` event (src/output-json-alert.c): the top-level five-tuple,
 * `flow_id`, `community_id`, `app_proto`, and the `alert{action, gid, signature_id, rev,
 * signature, category, severity}` object, flattened. `flow_id` and `community_id` are the
 * same values as on the flow's FlowRecord, so alert ⋈ flow is one join on `flow_id`.
 */
export interface AlertRecord {
  /** Microseconds since the Unix epoch of the packet that matched (EVE `timestamp`). */
  timestamp_us: number;
  /** Same decimal-string 64-bit id as FlowRecord.flow_id ("0" when not on a flow). */
  flow_id: string;
  /** Community ID v1 of the flow ("" when not on a flow). */
  community_id: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  /** IANA protocol number. */
  proto: number;
  /** 802.1Q/QinQ ids, outermost first. */
  vlan: number[];
  in_iface: string;
  app_proto: string;
  /** "allowed" or "blocked" (EVE alert.action). */
  action: 'allowed' | 'blocked';
  gid: number;
  signature_id: number;
  rev: number;
  /** The rule's `msg`. */
  signature: string;
  /** classtype description ("" when the rule has none). */
  category: string;
  /** classtype priority or `priority` keyword, 1 (high) .. 255. */
  severity: number;
  /** Packet payload, base64 (EVE `payload`), when the output is configured to keep it. */
  payload?: string;
}

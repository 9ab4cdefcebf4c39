/**
 * Versioned schema for the store. Each migration is numbered, applied once and in order,
 * and recorded in `<db>.schema_migrations`; every statement is itself idempotent
 * (IF NOT EXISTS), so a migration interrupted halfway is simply re-run on the next open.
 * The same SQL runs on chdb (embedded ClickHouse) and on a ClickHouse server.
 *
 * Layout choices (see docs/schema.md for the measurements):
 * - ORDER BY starts with a 5-minute time bucket (Akvorado); never address-first (ntopng#10914).
 * - `flows` is a ReplacingMergeTree versioned by `record_version` = end_us*2 + (reason != periodic)
 *   so periodic records of a long flow collapse into the final one; readers use FINAL.
 * - flow_id, community_id and addresses live in bloom_filter skip indexes, `end` in minmax.
 * - Retention is by the time a row was stored (`stored_at`), not by the traffic's own time:
 *   an offline pcap from 2011 must be queryable after ingestion, and what fills the disk is
 *   what was written recently. Partition width = TTL / 16 (whole hours) on `stored_at`, TTL
 *   on `stored_at`, ttl_only_drop_parts = 1: expiry drops whole parts instead of rewriting
 *   them. Time-range queries prune by the primary key (5-minute bucket of the traffic time).
 */

export interface Migration {
  version: number;
  name: string;
  statements: (db: string, ttlDays: number) => string[];
}

/** Partition width in hours for a retention of ttlDays: ~16 partitions live at any time. */
export function partitionHours(ttlDays: number): number {
  return Math.max(1, Math.round((ttlDays * 24) / 16));
}

/** Roll-up retention: `mul` × the flow retention, capped where DateTime TTLs would wrap (2106). */
export function scaledTtl(ttlDays: number, mul: number): number {
  return Math.min(ttlDays * mul, 25000);
}

function ttlClause(column: string, ttlDays: number): string {
  return `TTL toDateTime(${column}) + toIntervalDay(${ttlDays})`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'flows',
    statements: (db, ttlDays) => [
      `CREATE TABLE IF NOT EXISTS ${db}.flows (
        flow_id UInt64,
        community_id String CODEC(ZSTD(1)),
        src_ip IPv6 CODEC(ZSTD(1)),
        src_port UInt16,
        dest_ip IPv6 CODEC(ZSTD(1)),
        dest_port UInt16,
        proto UInt8,
        app_proto LowCardinality(String),
        vlan Array(UInt16),
        in_iface LowCardinality(String),
        tunnel_depth UInt8,
        pkts_toserver UInt64,
        pkts_toclient UInt64,
        bytes_toserver UInt64,
        bytes_toclient UInt64,
        payload_bytes_toserver UInt64,
        payload_bytes_toclient UInt64,
        start DateTime64(6, 'UTC'),
        \`end\` DateTime64(6, 'UTC'),
        start_us Int64 ALIAS toUnixTimestamp64Micro(start),
        end_us Int64 ALIAS toUnixTimestamp64Micro(\`end\`),
        state LowCardinality(String),
        reason LowCardinality(String),
        tcp_flags UInt8,
        tcp_flags_ts UInt8,
        tcp_flags_tc UInt8,
        tcp_state LowCardinality(String),
        conn_state LowCardinality(String),
        history String CODEC(ZSTD(1)),
        icmp_type Int16,
        icmp_code Int16,
        response_icmp_type Int16,
        response_icmp_code Int16,
        alerted UInt32,
        stored_at DateTime('UTC') DEFAULT now(),
        record_version UInt64 MATERIALIZED toUnixTimestamp64Micro(\`end\`) * 2 + (reason != 'periodic'),
        INDEX idx_flow_id flow_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_community_id community_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_src_ip src_ip TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_dest_ip dest_ip TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_end \`end\` TYPE minmax GRANULARITY 1
      )
      ENGINE = ReplacingMergeTree(record_version)
      PARTITION BY toStartOfInterval(stored_at, toIntervalHour(${partitionHours(ttlDays)}))
      PRIMARY KEY (toStartOfFiveMinutes(start), in_iface, proto)
      ORDER BY (toStartOfFiveMinutes(start), in_iface, proto, flow_id)
      ${ttlClause('stored_at', ttlDays)}
      SETTINGS ttl_only_drop_parts = 1`,
    ],
  },
  {
    version: 2,
    name: 'alerts',
    statements: (db, ttlDays) => [
      `CREATE TABLE IF NOT EXISTS ${db}.alerts (
        timestamp DateTime64(6, 'UTC'),
        alert_id UInt64 DEFAULT generateSnowflakeID(),
        flow_id UInt64,
        community_id String CODEC(ZSTD(1)),
        src_ip IPv6 CODEC(ZSTD(1)),
        src_port UInt16,
        dest_ip IPv6 CODEC(ZSTD(1)),
        dest_port UInt16,
        proto UInt8,
        vlan Array(UInt16),
        in_iface LowCardinality(String),
        app_proto LowCardinality(String),
        action LowCardinality(String),
        gid UInt32,
        signature_id UInt32,
        rev UInt32,
        signature String CODEC(ZSTD(1)),
        category LowCardinality(String),
        severity UInt8,
        payload String CODEC(ZSTD(3)),
        stored_at DateTime('UTC') DEFAULT now(),
        INDEX idx_flow_id flow_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_community_id community_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_src_ip src_ip TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_dest_ip dest_ip TYPE bloom_filter(0.01) GRANULARITY 4
      )
      ENGINE = MergeTree
      PARTITION BY toStartOfInterval(stored_at, toIntervalHour(${partitionHours(ttlDays)}))
      PRIMARY KEY (toStartOfFiveMinutes(timestamp), signature_id)
      ORDER BY (toStartOfFiveMinutes(timestamp), signature_id, timestamp, alert_id)
      ${ttlClause('stored_at', ttlDays)}
      SETTINGS ttl_only_drop_parts = 1`,
    ],
  },
  {
    version: 3,
    name: 'flow roll-ups (1 min, 1 h)',
    // Roll-ups count FINAL records only (reason != 'periodic'): periodic records carry
    // cumulative counters, so summing them would count a long flow several times.
    // No addresses or ports (Akvorado): these serve protocol/interface/vlan charts.
    statements: (db, ttlDays) => {
      const out: string[] = [];
      for (const [suffix, fn, ttlMul] of [['1m', 'toStartOfMinute', 1], ['1h', 'toStartOfHour', 12]] as const) {
        out.push(
          `CREATE TABLE IF NOT EXISTS ${db}.flows_${suffix} (
            bucket DateTime('UTC'),
            in_iface LowCardinality(String),
            proto UInt8,
            app_proto LowCardinality(String),
            vlan UInt16,
            flows UInt64,
            pkts UInt64,
            bytes UInt64,
            stored_at DateTime('UTC') DEFAULT now()
          )
          ENGINE = SummingMergeTree((flows, pkts, bytes))
          PARTITION BY toStartOfInterval(stored_at, toIntervalHour(${partitionHours(scaledTtl(ttlDays, ttlMul))}))
          ORDER BY (bucket, in_iface, proto, app_proto, vlan)
          ${ttlClause('stored_at', scaledTtl(ttlDays, ttlMul))}
          SETTINGS ttl_only_drop_parts = 1`,
          `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.flows_${suffix}_mv TO ${db}.flows_${suffix} AS
            SELECT ${fn}(start) AS bucket, in_iface, proto, app_proto,
                   if(length(vlan) > 0, vlan[1], 0) AS vlan,
                   count() AS flows,
                   sum(pkts_toserver + pkts_toclient) AS pkts,
                   sum(bytes_toserver + bytes_toclient) AS bytes
            FROM ${db}.flows WHERE reason != 'periodic'
            GROUP BY bucket, in_iface, proto, app_proto, vlan`,
        );
      }
      return out;
    },
  },
  {
    version: 4,
    name: 'flows: TCP reassembly results (stream bytes, gaps, stream events)',
    statements: (db) => [
      `ALTER TABLE ${db}.flows
        ADD COLUMN IF NOT EXISTS reassembled_bytes_toserver UInt64 AFTER alerted,
        ADD COLUMN IF NOT EXISTS reassembled_bytes_toclient UInt64 AFTER reassembled_bytes_toserver,
        ADD COLUMN IF NOT EXISTS gaps_toserver UInt32 AFTER reassembled_bytes_toclient,
        ADD COLUMN IF NOT EXISTS gaps_toclient UInt32 AFTER gaps_toserver,
        ADD COLUMN IF NOT EXISTS stream_events Array(LowCardinality(String)) AFTER gaps_toclient`,
    ],
  },
];

/** Names of the tables a TTL applies to, with the column the TTL is computed from and its multiplier. */
export const TTL_TABLES: readonly { table: string; column: string; mul: number }[] = [
  { table: 'flows', column: 'stored_at', mul: 1 },
  { table: 'alerts', column: 'stored_at', mul: 1 },
  { table: 'flows_1m', column: 'stored_at', mul: 1 },
  { table: 'flows_1h', column: 'stored_at', mul: 12 },
];

export function ttlStatement(db: string, t: { table: string; column: string; mul: number }, ttlDays: number): string {
  return `ALTER TABLE ${db}.${t.table} MODIFY ${ttlClause(t.column, scaledTtl(ttlDays, t.mul))}`;
}

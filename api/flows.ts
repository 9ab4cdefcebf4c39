/**
 * GET /api/v1/flows and GET /api/v1/flows/top.
 *
 * Reads go through `FROM flows FINAL` so periodic records of a flow collapse into its latest
 * record (ReplacingMergeTree by record_version; docs/schema.md has the FINAL vs argMax
 * measurements). Every value is a ClickHouse query parameter; identifiers (sort columns,
 * group-by keys) come from the whitelist maps below, never from the request.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import {
  addEndpointFilters, decodeCursor, encodeCursor, ipOut, isoMicros, parseTime, protoName, Where, type EndpointQuery,
} from './params.js';
import { errorObject, flowObject, flowsQuery, topQuery } from './schemas.js';

export interface FlowsQuery extends EndpointQuery {
  from?: string; to?: string; min_bytes?: number;
  sort: 'start' | 'end' | 'bytes' | 'pkts'; order: 'asc' | 'desc'; limit: number; cursor?: string;
}

export interface TopQuery extends EndpointQuery {
  from?: string; to?: string; by: keyof typeof TOP_KEYS; metric: 'bytes' | 'pkts' | 'flows'; limit: number;
}

/** Sort key → [SQL expression, cursor comparison expression, parameter type]. */
const SORTS = {
  start: { expr: 'start', cursorValue: 'fromUnixTimestamp64Micro({cursor_v:Int64}, \'UTC\')', out: 'toUnixTimestamp64Micro(start)' },
  end: { expr: '`end`', cursorValue: 'fromUnixTimestamp64Micro({cursor_v:Int64}, \'UTC\')', out: 'toUnixTimestamp64Micro(`end`)' },
  bytes: { expr: '(bytes_toserver + bytes_toclient)', cursorValue: '{cursor_v:UInt64}', out: 'toString(bytes_toserver + bytes_toclient)' },
  pkts: { expr: '(pkts_toserver + pkts_toclient)', cursorValue: '{cursor_v:UInt64}', out: 'toString(pkts_toserver + pkts_toclient)' },
} as const;

/** Group-by key → [ARRAY JOIN expression or column, output expression]. Either-side keys count a flow once per distinct endpoint. */
const TOP_KEYS = {
  ip: { join: 'arrayDistinct([src_ip, dest_ip])', key: 'toString(k)' },
  src_ip: { join: null, col: 'src_ip', key: 'toString(k)' },
  dest_ip: { join: null, col: 'dest_ip', key: 'toString(k)' },
  port: { join: 'arrayDistinct([src_port, dest_port])', key: 'k' },
  src_port: { join: null, col: 'src_port', key: 'k' },
  dest_port: { join: null, col: 'dest_port', key: 'k' },
  proto: { join: null, col: 'proto', key: 'k' },
  app_proto: { join: null, col: 'app_proto', key: 'k' },
  vlan: { join: 'if(empty(vlan), [toUInt16(0)], [vlan[1]])', key: 'k' },
  in_iface: { join: null, col: 'in_iface', key: 'k' },
} as const;

const METRIC = { bytes: 'sum(b)', pkts: 'sum(p)', flows: 'count()' } as const;

// Output aliases carry an `o_` prefix: ClickHouse resolves WHERE/ORDER BY names to SELECT
// aliases first, so `toString(src_ip) AS src_ip` would turn filters into string compares.
const FLOW_SELECT = `toString(flow_id) AS o_flow_id, community_id, toString(src_ip) AS o_src_ip, src_port, toString(dest_ip) AS o_dest_ip,
  dest_port, proto, app_proto, vlan, in_iface, tunnel_depth,
  toString(pkts_toserver) AS o_pkts_toserver, toString(pkts_toclient) AS o_pkts_toclient,
  toString(bytes_toserver) AS o_bytes_toserver, toString(bytes_toclient) AS o_bytes_toclient,
  toString(payload_bytes_toserver) AS o_payload_bytes_toserver, toString(payload_bytes_toclient) AS o_payload_bytes_toclient,
  toString(toUnixTimestamp64Micro(start)) AS o_start_us, toString(toUnixTimestamp64Micro(\`end\`)) AS o_end_us,
  state, reason, alerted, tcp_flags, tcp_flags_ts, tcp_flags_tc, tcp_state, conn_state, history,
  icmp_type, icmp_code, response_icmp_type, response_icmp_code,
  toString(reassembled_bytes_toserver) AS o_reasm_ts, toString(reassembled_bytes_toclient) AS o_reasm_tc,
  gaps_toserver, gaps_toclient, stream_events`;

interface FlowRow {
  o_flow_id: string; community_id: string; o_src_ip: string; src_port: number; o_dest_ip: string; dest_port: number; proto: number;
  app_proto: string; vlan: number[]; in_iface: string; tunnel_depth: number; o_pkts_toserver: string; o_pkts_toclient: string;
  o_bytes_toserver: string; o_bytes_toclient: string; o_payload_bytes_toserver: string; o_payload_bytes_toclient: string;
  o_start_us: string; o_end_us: string; state: string; reason: string; alerted: number; tcp_flags: number; tcp_flags_ts: number;
  tcp_flags_tc: number; tcp_state: string; conn_state: string; history: string; icmp_type: number; icmp_code: number;
  response_icmp_type: number; response_icmp_code: number; o_cursor_v: string;
  o_reasm_ts: string; o_reasm_tc: string; gaps_toserver: number; gaps_toclient: number; stream_events: string[];
}

const hex = (n: number): string => Number(n).toString(16).padStart(2, '0');

/** Row → EVE-like flow object (flat counters, `tcp{}` for TCP, ISO times, dotted quads). */
export function flowOut(r: FlowRow): Record<string, unknown> {
  const startUs = Number(r.o_start_us), endUs = Number(r.o_end_us);
  const proto = Number(r.proto);
  const o: Record<string, unknown> = {
    flow_id: r.o_flow_id, community_id: r.community_id, src_ip: ipOut(r.o_src_ip), src_port: Number(r.src_port),
    dest_ip: ipOut(r.o_dest_ip), dest_port: Number(r.dest_port), proto: protoName(proto), app_proto: r.app_proto,
    vlan: r.vlan.map(Number), in_iface: r.in_iface, tunnel_depth: Number(r.tunnel_depth),
    pkts_toserver: Number(r.o_pkts_toserver), pkts_toclient: Number(r.o_pkts_toclient),
    bytes_toserver: Number(r.o_bytes_toserver), bytes_toclient: Number(r.o_bytes_toclient),
    payload_bytes_toserver: Number(r.o_payload_bytes_toserver), payload_bytes_toclient: Number(r.o_payload_bytes_toclient),
    start: isoMicros(startUs), end: isoMicros(endUs), age: Math.floor(endUs / 1e6) - Math.floor(startUs / 1e6),
    state: r.state, reason: r.reason, alerted: Number(r.alerted), conn_state: r.conn_state, history: r.history,
  };
  if (proto === 6) {
    const f = Number(r.tcp_flags);
    const tcp: Record<string, unknown> = { tcp_flags: hex(f), tcp_flags_ts: hex(r.tcp_flags_ts), tcp_flags_tc: hex(r.tcp_flags_tc) };
    // EVE lists the flags seen as booleans (output-json-flow.c JsonTcpFlags).
    const names = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ecn', 'cwr'] as const;
    for (let i = 0; i < 8; i++) if (f & (1 << i)) tcp[names[i]!] = true;
    tcp.state = r.tcp_state;
    o.tcp = tcp;
    o.stream = {
      reassembled_bytes_toserver: Number(r.o_reasm_ts), reassembled_bytes_toclient: Number(r.o_reasm_tc),
      gaps_toserver: Number(r.gaps_toserver), gaps_toclient: Number(r.gaps_toclient), events: r.stream_events,
    };
  }
  if (proto === 1 || proto === 58) {
    o.icmp_type = Number(r.icmp_type); o.icmp_code = Number(r.icmp_code);
    o.response_icmp_type = Number(r.response_icmp_type); o.response_icmp_code = Number(r.response_icmp_code);
  }
  return o;
}

function timeFilters(w: Where, q: { from?: string; to?: string }): void {
  // Overlap: a flow is in [from, to] if it ends at/after `from` and starts at/before `to`.
  // `start <= to` prunes by primary key, `end >= from` by the minmax skip index.
  if (q.from !== undefined) w.add("`end` >= fromUnixTimestamp64Micro({from_us:Int64}, 'UTC')", { from_us: parseTime('from', q.from) });
  if (q.to !== undefined) w.add("start <= fromUnixTimestamp64Micro({to_us:Int64}, 'UTC')", { to_us: parseTime('to', q.to) });
}

async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await client.query({
    query, query_params: params, format: 'JSONEachRow',
    // Partitions are by storage time, so a long flow's periodic and final records may sit in
    // different partitions: FINAL must merge across partitions (the default) to return one row.
  });
  return rs.json<T>();
}

export function registerFlowRoutes(app: FastifyInstance, client: ClickHouseClient, db: string): void {
  app.get<{ Querystring: FlowsQuery }>('/api/v1/flows', {
    schema: {
      summary: 'Flows (latest record per flow_id), filtered, sorted, cursor-paginated',
      querystring: flowsQuery,
      response: {
        200: { type: 'object', properties: { flows: { type: 'array', items: flowObject }, next: { type: ['string', 'null'] } } },
        400: errorObject,
      },
    },
  }, async (req) => {
    const q = req.query;
    const w = new Where();
    timeFilters(w, q);
    addEndpointFilters(w, q);
    if (q.min_bytes !== undefined) w.add('bytes_toserver + bytes_toclient >= {min_bytes:UInt64}', { min_bytes: q.min_bytes });
    const s = SORTS[q.sort];
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor, `${q.sort}:${q.order}`);
      const op = q.order === 'asc' ? '>' : '<';
      w.add(`(${s.expr}, flow_id) ${op} (${s.cursorValue}, {cursor_id:UInt64})`, { cursor_v: c.v, cursor_id: c.id });
      // The tuple comparison alone does not prune granules; the plain bound does.
      w.add(`${s.expr} ${op}= ${s.cursorValue}`);
    }
    const sql = `SELECT ${FLOW_SELECT}, ${s.out} AS o_cursor_v FROM ${db}.flows FINAL ${w.sql()}
      ORDER BY ${s.expr} ${dir}, flow_id ${dir} LIMIT {lim:UInt32}`;
    const got = await rows<FlowRow>(client, sql, { ...w.params, lim: q.limit + 1 });
    const more = got.length > q.limit;
    if (more) got.length = q.limit;
    const lastRow = got[got.length - 1];
    return {
      flows: got.map(flowOut),
      next: more && lastRow ? encodeCursor({ s: `${q.sort}:${q.order}`, v: String(lastRow.o_cursor_v), id: lastRow.o_flow_id }) : null,
    };
  });

  app.get<{ Querystring: TopQuery }>('/api/v1/flows/top', {
    schema: {
      summary: 'Top talkers / ports / protocols by bytes, packets or flows over a time range',
      querystring: topQuery,
      response: {
        200: {
          type: 'object',
          properties: {
            by: { type: 'string' }, metric: { type: 'string' },
            top: {
              type: 'array',
              items: { type: 'object', properties: { key: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, bytes: { type: 'integer' }, pkts: { type: 'integer' }, flows: { type: 'integer' } } },
            },
          },
        },
        400: errorObject,
      },
    },
  }, async (req) => {
    const q = req.query;
    const w = new Where();
    timeFilters(w, q);
    addEndpointFilters(w, q);
    const k = TOP_KEYS[q.by];
    const source = 'join' in k && k.join !== null
      ? `(SELECT k, bytes_toserver + bytes_toclient AS b, pkts_toserver + pkts_toclient AS p FROM ${db}.flows FINAL ARRAY JOIN ${k.join} AS k ${w.sql()})`
      : `(SELECT ${(k as { col: string }).col} AS k, bytes_toserver + bytes_toclient AS b, pkts_toserver + pkts_toclient AS p FROM ${db}.flows FINAL ${w.sql()})`;
    const sql = `SELECT ${k.key} AS key, toString(sum(b)) AS o_bytes, toString(sum(p)) AS o_pkts, toString(count()) AS o_flows
      FROM ${source} GROUP BY k ORDER BY ${METRIC[q.metric]} DESC, k ASC LIMIT {lim:UInt32}`;
    const got = await rows<{ key: string | number; o_bytes: string; o_pkts: string; o_flows: string }>(client, sql, { ...w.params, lim: q.limit });
    const isIp = q.by === 'ip' || q.by === 'src_ip' || q.by === 'dest_ip';
    return {
      by: q.by, metric: q.metric,
      top: got.map((r) => ({
        key: isIp ? ipOut(String(r.key)) : q.by === 'proto' ? protoName(Number(r.key)) : typeof r.key === 'string' && q.by !== 'app_proto' && q.by !== 'in_iface' ? Number(r.key) : r.key,
        bytes: Number(r.o_bytes), pkts: Number(r.o_pkts), flows: Number(r.o_flows),
      })),
    };
  });
}

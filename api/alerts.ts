/**
 * GET /api/v1/alerts: EVE-shaped alert events, filtered like flows, newest first by default,
 * cursor-paginated on (timestamp, alert_id).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { addEndpointFilters, decodeCursor, encodeCursor, ipOut, isoMicros, parseTime, protoName, Where, type EndpointQuery } from './params.js';
import { alertObject, alertsQuery, errorObject } from './schemas.js';

export interface AlertsQuery extends EndpointQuery {
  from?: string; to?: string; signature_id?: number; max_severity?: number;
  order: 'asc' | 'desc'; limit: number; cursor?: string;
}

interface AlertRow {
  o_ts: string; o_alert_id: string; o_flow_id: string; community_id: string; o_src_ip: string; src_port: number; o_dest_ip: string;
  dest_port: number; proto: number; vlan: number[]; in_iface: string; app_proto: string; action: string; gid: number;
  signature_id: number; rev: number; signature: string; category: string; severity: number; payload: string;
}

export function registerAlertRoutes(app: FastifyInstance, client: ClickHouseClient, db: string): void {
  app.get<{ Querystring: AlertsQuery }>('/api/v1/alerts', {
    schema: {
      summary: 'Alerts (EVE alert shape), filtered, cursor-paginated',
      querystring: alertsQuery,
      response: {
        200: { type: 'object', properties: { alerts: { type: 'array', items: alertObject }, next: { type: ['string', 'null'] } } },
        400: errorObject,
      },
    },
  }, async (req) => {
    const q = req.query;
    const w = new Where();
    if (q.from !== undefined) w.add("timestamp >= fromUnixTimestamp64Micro({from_us:Int64}, 'UTC')", { from_us: parseTime('from', q.from) });
    if (q.to !== undefined) w.add("timestamp <= fromUnixTimestamp64Micro({to_us:Int64}, 'UTC')", { to_us: parseTime('to', q.to) });
    addEndpointFilters(w, q);
    if (q.signature_id !== undefined) w.add('signature_id = {sid:UInt32}', { sid: q.signature_id });
    if (q.max_severity !== undefined) w.add('severity <= {sev:UInt8}', { sev: q.max_severity });
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor, `timestamp:${q.order}`);
      const op = q.order === 'asc' ? '>' : '<';
      const tv = "fromUnixTimestamp64Micro({cursor_v:Int64}, 'UTC')";
      w.add(`(timestamp, alert_id) ${op} (${tv}, {cursor_id:UInt64}) AND timestamp ${op}= ${tv}`, { cursor_v: c.v, cursor_id: c.id });
    }
    const sql = `SELECT toString(toUnixTimestamp64Micro(timestamp)) AS o_ts, toString(alert_id) AS o_alert_id, toString(flow_id) AS o_flow_id,
        community_id, toString(src_ip) AS o_src_ip, src_port, toString(dest_ip) AS o_dest_ip, dest_port, proto, vlan, in_iface, app_proto,
        action, gid, signature_id, rev, signature, category, severity, payload
      FROM ${db}.alerts ${w.sql()} ORDER BY timestamp ${dir}, alert_id ${dir} LIMIT {lim:UInt32}`;
    const rs = await client.query({ query: sql, query_params: { ...w.params, lim: q.limit + 1 }, format: 'JSONEachRow' });
    const got = await rs.json<AlertRow>();
    const more = got.length > q.limit;
    if (more) got.length = q.limit;
    const last = got[got.length - 1];
    return {
      alerts: got.map((r) => {
        const o: Record<string, unknown> = {
          timestamp: isoMicros(Number(r.o_ts)), alert_id: r.o_alert_id, flow_id: r.o_flow_id, community_id: r.community_id,
          src_ip: ipOut(r.o_src_ip), src_port: Number(r.src_port), dest_ip: ipOut(r.o_dest_ip), dest_port: Number(r.dest_port),
          proto: protoName(Number(r.proto)), vlan: r.vlan.map(Number), in_iface: r.in_iface, app_proto: r.app_proto,
          alert: {
            action: r.action, gid: Number(r.gid), signature_id: Number(r.signature_id), rev: Number(r.rev),
            signature: r.signature, category: r.category, severity: Number(r.severity),
          },
        };
        if (r.payload !== '') o.payload = r.payload;
        return o;
      }),
      next: more && last ? encodeCursor({ s: `timestamp:${q.order}`, v: last.o_ts, id: last.o_alert_id }) : null,
    };
  });
}

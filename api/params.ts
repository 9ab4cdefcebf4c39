/**
 * Parameter parsing shared by the API routes: times, protocols, addresses, CIDRs, cursors.
 * JSON schemas (api/schemas.ts) check the shape; these functions turn checked strings into
 * ClickHouse query-parameter values and raise BadParam (→ 400) on semantic errors.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A 400 that names the parameter, formatted like fastify's own validation errors. */
export class BadParam extends Error {
  readonly statusCode = 400;
  readonly code = 'FENNEC_ERR_BAD_PARAM';
  constructor(param: string, why: string) {
    super(`querystring/${param} ${why}`);
  }
}

/** ISO-8601 or epoch seconds (optionally fractional) → microseconds since the epoch. */
export function parseTime(param: string, v: string): number {
  if (/^\d+(\.\d{1,6})?$/.test(v)) {
    const [s, f = ''] = v.split('.');
    return Number(s) * 1e6 + Number(f.padEnd(6, '0'));
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new BadParam(param, 'must be ISO-8601 or epoch seconds');
  // Keep sub-millisecond digits Date.parse drops: "....123456Z".
  const m = /\.(\d{4,6})/.exec(v);
  return m ? Math.floor(ms / 1000) * 1e6 + Number(m[1]!.padEnd(6, '0')) : ms * 1000;
}

export const PROTO_BY_NAME: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132,
};

/** EVE spelling of protocol names (Suricata util-proto-name); other numbers stay numbers. */
const EVE_PROTO: Record<number, string> = {
  1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'IPv6-ICMP', 132: 'SCTP',
};

export function protoName(p: number): string | number {
  return EVE_PROTO[p] ?? p;
}

export function parseProto(v: string): number {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n > 255) throw new BadParam('proto', 'must be 0..255 or a protocol name');
    return n;
  }
  const n = PROTO_BY_NAME[v.toLowerCase()];
  if (n === undefined) throw new BadParam('proto', `unknown protocol name ${JSON.stringify(v)}`);
  return n;
}

/** Address as the IPv6 query-parameter value (IPv4 → IPv4-mapped, the store's form). */
export function ipParam(param: string, v: string): string {
  if (isIPv4(v)) return `::ffff:${v}`;
  if (isIPv6(v)) return v;
  throw new BadParam(param, 'must be an IPv4 or IPv6 address');
}

/** "10.0.0.0/8" or "2001:db8::/32" → mapped network address and IPv6 prefix length. */
export function parseCidr(v: string): { addr: string; len: number } {
  const slash = v.lastIndexOf('/');
  const addr = slash < 0 ? v : v.slice(0, slash);
  const lenText = slash < 0 ? '' : v.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new BadParam('cidr', 'must be ADDRESS/PREFIX');
  const len = Number(lenText);
  if (isIPv4(addr)) {
    if (len > 32) throw new BadParam('cidr', 'IPv4 prefix must be 0..32');
    return { addr: `::ffff:${addr}`, len: 96 + len };
  }
  if (isIPv6(addr)) {
    if (len > 128) throw new BadParam('cidr', 'IPv6 prefix must be 0..128');
    return { addr, len };
  }
  throw new BadParam('cidr', 'must be ADDRESS/PREFIX with an IPv4 or IPv6 address');
}

/** Addresses come back from ClickHouse as IPv6 text; IPv4-mapped ones go out as dotted quads. */
export function ipOut(v: string): string {
  return v.startsWith('::ffff:') && v.indexOf('.') > 0 ? v.slice(7) : v;
}

/** EVE timestamp text: 2021-08-21T20:40:21.171884+0000. */
export function isoMicros(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${new Date(s * 1000).toISOString().slice(0, 19)}.${String(us - s * 1e6).padStart(6, '0')}+0000`;
}

/** Opaque pagination cursor: base64url JSON of the sort, the last row's sort value and tiebreak id. */
export interface Cursor {
  s: string;
  v: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(text: string, sort: string): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new BadParam('cursor', 'is not a cursor returned by this API');
  }
  const o = c as Partial<Cursor>;
  if (typeof o !== 'object' || o === null || typeof o.s !== 'string' || typeof o.v !== 'string' || typeof o.id !== 'string' ||
      !/^-?\d{1,20}$/.test(o.v) || !/^\d{1,20}$/.test(o.id)) {
    throw new BadParam('cursor', 'is not a cursor returned by this API');
  }
  if (o.s !== sort) throw new BadParam('cursor', `was issued for sort=${o.s}, not sort=${sort}`);
  return o as Cursor;
}

/** Accumulates WHERE conditions and their typed query parameters. */
export class Where {
  readonly conds: string[] = [];
  readonly params: Record<string, unknown> = {};
  add(cond: string, params: Record<string, unknown> = {}): void {
    this.conds.push(cond);
    Object.assign(this.params, params);
  }
  sql(): string {
    return this.conds.length === 0 ? '' : `WHERE ${this.conds.join(' AND ')}`;
  }
}

/** Address/port/proto filters shared by flows, top and alerts (column names are the same). */
export interface EndpointQuery {
  ip?: string; src_ip?: string; dest_ip?: string; cidr?: string;
  port?: number; src_port?: number; dest_port?: number; proto?: string; vlan?: number;
  community_id?: string; flow_id?: string; in_iface?: string; app_proto?: string;
}

export function addEndpointFilters(w: Where, q: EndpointQuery): void {
  if (q.ip !== undefined) w.add('(src_ip = {ip:IPv6} OR dest_ip = {ip:IPv6})', { ip: ipParam('ip', q.ip) });
  if (q.src_ip !== undefined) w.add('src_ip = {src_ip:IPv6}', { src_ip: ipParam('src_ip', q.src_ip) });
  if (q.dest_ip !== undefined) w.add('dest_ip = {dest_ip:IPv6}', { dest_ip: ipParam('dest_ip', q.dest_ip) });
  if (q.cidr !== undefined) {
    const c = parseCidr(q.cidr);
    const r = 'IPv6CIDRToRange({cidr_addr:IPv6}, {cidr_len:UInt8})';
    w.add(`((src_ip BETWEEN tupleElement(${r}, 1) AND tupleElement(${r}, 2)) OR (dest_ip BETWEEN tupleElement(${r}, 1) AND tupleElement(${r}, 2)))`,
      { cidr_addr: c.addr, cidr_len: c.len });
  }
  if (q.port !== undefined) w.add('(src_port = {port:UInt16} OR dest_port = {port:UInt16})', { port: q.port });
  if (q.src_port !== undefined) w.add('src_port = {src_port:UInt16}', { src_port: q.src_port });
  if (q.dest_port !== undefined) w.add('dest_port = {dest_port:UInt16}', { dest_port: q.dest_port });
  if (q.proto !== undefined) w.add('proto = {proto:UInt8}', { proto: parseProto(q.proto) });
  if (q.vlan !== undefined) w.add('has(vlan, {vlan:UInt16})', { vlan: q.vlan });
  if (q.community_id !== undefined) w.add('community_id = {community_id:String}', { community_id: q.community_id });
  if (q.flow_id !== undefined) w.add('flow_id = {flow_id:UInt64}', { flow_id: q.flow_id });
  if (q.in_iface !== undefined) w.add('in_iface = {in_iface:String}', { in_iface: q.in_iface });
  if (q.app_proto !== undefined) w.add('app_proto = {app_proto:String}', { app_proto: q.app_proto });
}

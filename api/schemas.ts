/** JSON schemas of every route's query string and response (served in the OpenAPI document). */

const time = { type: 'string', pattern: '^(\\d+(\\.\\d{1,6})?|\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+)?(Z|[+-]\\d{2}:?\\d{2})?)$', description: 'ISO-8601 or epoch seconds' } as const;
const ip = { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], description: 'IPv4 or IPv6 address' } as const;
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

export const endpointFilters = {
  from: { ...time, description: 'Only records at/after this time (flows: overlapping [from, to])' },
  to: { ...time, description: 'Only records at/before this time' },
  ip: { ...ip, description: 'Either side equals this address' },
  src_ip: ip,
  dest_ip: ip,
  cidr: { type: 'string', pattern: '^[0-9A-Fa-f:.]+/\\d{1,3}$', description: 'Either side inside this IPv4 or IPv6 network' },
  port: { ...port, description: 'Either side uses this port' },
  src_port: port,
  dest_port: port,
  proto: { type: 'string', pattern: '^([0-9]{1,3}|[A-Za-z][A-Za-z0-9-]*)$', description: 'IANA number or name: tcp, udp, icmp, ipv6-icmp, sctp, gre, esp, ah, igmp' },
  vlan: { type: 'integer', minimum: 0, maximum: 4095 },
  community_id: { type: 'string', maxLength: 64 },
  flow_id: { type: 'string', pattern: '^[0-9]{1,20}$' },
  in_iface: { type: 'string', maxLength: 256 },
  app_proto: { type: 'string', maxLength: 64 },
} as const;

const page = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Page size (hard cap 1000)' },
  cursor: { type: 'string', maxLength: 512, description: 'The `next` value of the previous page' },
} as const;

export const flowsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...endpointFilters,
    min_bytes: { type: 'integer', minimum: 0, description: 'bytes_toserver + bytes_toclient at least this' },
    sort: { type: 'string', enum: ['start', 'end', 'bytes', 'pkts'], default: 'start' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    ...page,
  },
} as const;

export const topQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...endpointFilters,
    by: { type: 'string', enum: ['ip', 'src_ip', 'dest_ip', 'port', 'src_port', 'dest_port', 'proto', 'app_proto', 'vlan', 'in_iface'], default: 'ip' },
    metric: { type: 'string', enum: ['bytes', 'pkts', 'flows'], default: 'bytes' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
  },
} as const;

export const alertsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...endpointFilters,
    signature_id: { type: 'integer', minimum: 0, maximum: 4294967295 },
    max_severity: { type: 'integer', minimum: 1, maximum: 255, description: 'severity <= this (1 = highest)' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    ...page,
  },
} as const;

const tcpObject = {
  type: 'object',
  properties: {
    tcp_flags: { type: 'string' }, tcp_flags_ts: { type: 'string' }, tcp_flags_tc: { type: 'string' },
    syn: { type: 'boolean' }, fin: { type: 'boolean' }, rst: { type: 'boolean' }, psh: { type: 'boolean' },
    ack: { type: 'boolean' }, urg: { type: 'boolean' }, ecn: { type: 'boolean' }, cwr: { type: 'boolean' },
    state: { type: 'string' },
  },
} as const;

export const flowObject = {
  type: 'object',
  properties: {
    flow_id: { type: 'string', description: '64-bit id as a decimal string (exceeds JS number precision)' },
    community_id: { type: 'string' },
    src_ip: { type: 'string' }, src_port: { type: 'integer' }, dest_ip: { type: 'string' }, dest_port: { type: 'integer' },
    proto: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
    app_proto: { type: 'string' }, vlan: { type: 'array', items: { type: 'integer' } }, in_iface: { type: 'string' },
    tunnel_depth: { type: 'integer' },
    pkts_toserver: { type: 'integer' }, pkts_toclient: { type: 'integer' },
    bytes_toserver: { type: 'integer' }, bytes_toclient: { type: 'integer' },
    payload_bytes_toserver: { type: 'integer' }, payload_bytes_toclient: { type: 'integer' },
    start: { type: 'string' }, end: { type: 'string' }, age: { type: 'integer' },
    state: { type: 'string' }, reason: { type: 'string' }, alerted: { type: 'integer' },
    tcp: tcpObject,
    conn_state: { type: 'string' }, history: { type: 'string' },
    icmp_type: { type: 'integer' }, icmp_code: { type: 'integer' },
    response_icmp_type: { type: 'integer' }, response_icmp_code: { type: 'integer' },
  },
} as const;

export const alertObject = {
  type: 'object',
  properties: {
    timestamp: { type: 'string' }, alert_id: { type: 'string' }, flow_id: { type: 'string' }, community_id: { type: 'string' },
    src_ip: { type: 'string' }, src_port: { type: 'integer' }, dest_ip: { type: 'string' }, dest_port: { type: 'integer' },
    proto: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, vlan: { type: 'array', items: { type: 'integer' } },
    in_iface: { type: 'string' }, app_proto: { type: 'string' },
    alert: {
      type: 'object',
      properties: {
        action: { type: 'string' }, gid: { type: 'integer' }, signature_id: { type: 'integer' }, rev: { type: 'integer' },
        signature: { type: 'string' }, category: { type: 'string' }, severity: { type: 'integer' },
      },
    },
    payload: { type: 'string' },
  },
} as const;

export const errorObject = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } },
} as const;

import { docUrl, type Keyword } from './keyword.js';

const NAMES: Record<string, number> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, udp: 17, ipv6: 41, rsvp: 46, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-frag': 44, 'ipv6-route': 43, 'ipv6-opts': 60,
  pim: 103, vrrp: 112, l2tp: 115, sctp: 132,
};

/** ip_proto:[!<>]N|name; the IP protocol number. */
export const ipProto: Keyword = {
  name: 'ip_proto', value: 'required',
  description: 'match on the IP protocol number in the IP header',
  url: docUrl('header-keywords', 'ip-proto'),
  parse(v, b) {
    const m = /^\s*([!<>]?)\s*([\w-]+)\s*$/.exec(v!);
    if (!m) return `invalid ip_proto "${v}"`;
    const n = /^\d+$/.test(m[2]) ? Number(m[2]) : NAMES[m[2].toLowerCase()];
    if (n === undefined || n > 255) return `invalid ip_proto "${v}"`;
    const op = m[1];
    b.rule.header.push({
      keyword: 'ip_proto',
      match: op === '!' ? (p) => p.ipVersion !== 0 && p.proto !== n
        : op === '<' ? (p) => p.ipVersion !== 0 && p.proto < n
        : op === '>' ? (p) => p.ipVersion !== 0 && p.proto > n
        : (p) => p.ipVersion !== 0 && p.proto === n,
      ipProto: op === '' ? n : undefined,
    });
    return null;
  },
};

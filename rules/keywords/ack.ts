import { docUrl, type Keyword } from './keyword.js';

/** ack:N; the TCP acknowledgement number. */
export const ack: Keyword = {
  name: 'ack', value: 'required',
  description: 'match on the TCP acknowledgement number',
  url: docUrl('header-keywords', 'ack'),
  parse(v, b) {
    const s = v!.trim();
    if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) return `invalid ack "${s}"`;
    const n = Number(s);
    b.rule.header.push({ keyword: 'ack', match: (p) => p.proto === 6 && p.tcpAck === n });
    return null;
  },
};

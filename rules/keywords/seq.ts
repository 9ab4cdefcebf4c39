import { docUrl, type Keyword } from './keyword.js';

/** seq:N; the TCP sequence number. */
export const seq: Keyword = {
  name: 'seq', value: 'required',
  description: 'match on the TCP sequence number',
  url: docUrl('header-keywords', 'seq'),
  parse(v, b) {
    const s = v!.trim();
    if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) return `invalid seq "${s}"`;
    const n = Number(s);
    b.rule.header.push({ keyword: 'seq', match: (p) => p.proto === 6 && p.tcpSeq === n });
    return null;
  },
};

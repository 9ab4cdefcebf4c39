import { docUrl, type Keyword } from './keyword.js';

/** window:[!]N; the TCP window size. */
export const window: Keyword = {
  name: 'window', value: 'required',
  description: 'match on the TCP window size',
  url: docUrl('header-keywords', 'window'),
  parse(v, b) {
    const m = /^\s*(!)?\s*(\d+)\s*$/.exec(v!);
    if (!m || Number(m[2]) > 65535) return `invalid window "${v}"`;
    const neg = !!m[1], n = Number(m[2]);
    b.rule.header.push({ keyword: 'window', match: (p) => p.proto === 6 && (p.tcpWin === n) !== neg });
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** tcp.mss:<uint>; match on the TCP MSS option value (uint grammar of keywords/uint.ts). */
export const tcpMss: Keyword = {
  name: 'tcp.mss', value: 'required',
  description: 'match on the TCP MSS option value',
  url: docUrl('header-keywords', 'tcp-mss'),
  parse(v, b) {
    const c = parseUint(v!, 65535);
    if (typeof c === 'string') return `tcp.mss: ${c}`;
    b.rule.header.push({ keyword: 'tcp.mss', match: (p) => p.tcpMss >= 0 && uintMatch(c, p.tcpMss) });
    return null;
  },
};

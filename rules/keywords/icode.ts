import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** icode:<uint>; match on the ICMP code (uint grammar of keywords/uint.ts). */
export const icode: Keyword = {
  name: 'icode', value: 'required',
  description: 'match on the ICMP code',
  url: docUrl('header-keywords', 'icode'),
  parse(v, b) {
    const c = parseUint(v!, 255);
    if (typeof c === 'string') return `icode: ${c}`;
    b.rule.header.push({ keyword: 'icode', match: (p) => p.icmpCode >= 0 && uintMatch(c, p.icmpCode) });
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** itype:<uint>; match on the ICMP type (uint grammar of keywords/uint.ts). */
export const itype: Keyword = {
  name: 'itype', value: 'required',
  description: 'match on the ICMP type',
  url: docUrl('header-keywords', 'itype'),
  parse(v, b) {
    const c = parseUint(v!, 255);
    if (typeof c === 'string') return `itype: ${c}`;
    b.rule.header.push({ keyword: 'itype', match: (p) => p.icmpType >= 0 && uintMatch(c, p.icmpType) });
    return null;
  },
};

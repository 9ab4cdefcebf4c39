import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** icmp_id:<uint>; match on the ICMP echo id (uint grammar of keywords/uint.ts). */
export const icmpId: Keyword = {
  name: 'icmp_id', value: 'required',
  description: 'match on the ICMP echo id',
  url: docUrl('header-keywords', 'icmp-id'),
  parse(v, b) {
    const c = parseUint(v!, 65535);
    if (typeof c === 'string') return `icmp_id: ${c}`;
    b.rule.header.push({ keyword: 'icmp_id', match: (p) => p.icmpId >= 0 && uintMatch(c, p.icmpId) });
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** icmp_seq:<uint>; match on the ICMP echo sequence number (uint grammar of keywords/uint.ts). */
export const icmpSeq: Keyword = {
  name: 'icmp_seq', value: 'required',
  description: 'match on the ICMP echo sequence number',
  url: docUrl('header-keywords', 'icmp-seq'),
  parse(v, b) {
    const c = parseUint(v!, 65535);
    if (typeof c === 'string') return `icmp_seq: ${c}`;
    b.rule.header.push({ keyword: 'icmp_seq', match: (p) => p.icmpSeq >= 0 && uintMatch(c, p.icmpSeq) });
    return null;
  },
};

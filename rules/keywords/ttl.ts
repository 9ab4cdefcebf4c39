import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** ttl:<uint>; match on the IP time-to-live / IPv6 hop limit (uint grammar of keywords/uint.ts). */
export const ttl: Keyword = {
  name: 'ttl', value: 'required',
  description: 'match on the IP time-to-live / IPv6 hop limit',
  url: docUrl('header-keywords', 'ttl'),
  parse(v, b) {
    const c = parseUint(v!, 255);
    if (typeof c === 'string') return `ttl: ${c}`;
    b.rule.header.push({ keyword: 'ttl', match: (p) => p.ipVersion !== 0 && uintMatch(c, p.ttl) });
    return null;
  },
};

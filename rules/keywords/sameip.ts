import { docUrl, type Keyword } from './keyword.js';

/** sameip; source and destination address are equal. */
export const sameip: Keyword = {
  name: 'sameip', value: 'none',
  description: 'match packets whose source and destination IP are the same',
  url: docUrl('header-keywords', 'sameip'),
  parse(_v, b) {
    b.rule.header.push({
      keyword: 'sameip',
      match: (p) => p.ipVersion === 4 ? p.src[3] === p.dst[3]
        : p.ipVersion === 6 && p.src[0] === p.dst[0] && p.src[1] === p.dst[1] && p.src[2] === p.dst[2] && p.src[3] === p.dst[3],
    });
    return null;
  },
};

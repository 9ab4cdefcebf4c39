import { docUrl, type Keyword } from './keyword.js';

/** fragbits:[*+!]MDR; IPv4 fragmentation bits (M more fragments, D don't fragment, R reserved). */
export const fragbits: Keyword = {
  name: 'fragbits', value: 'required',
  description: 'check the IP fragmentation and reserved bits',
  url: docUrl('header-keywords', 'fragbits-ip-fragmentation'),
  parse(v, b) {
    let s = v!.trim();
    let mod = '';
    if (s.length && '*+!'.includes(s[0])) { mod = s[0]; s = s.slice(1); }
    let want = 0;
    for (const ch of s.toUpperCase()) {
      const bit = ch === 'M' ? 1 : ch === 'D' ? 2 : ch === 'R' ? 4 : -1;
      if (bit < 0) return `invalid fragbits "${v}"`;
      want |= bit;
    }
    if (!want) return `invalid fragbits "${v}"`;
    const fn = mod === '+' ? (f: number) => (f & want) === want
      : mod === '*' ? (f: number) => (f & want) !== 0
      : mod === '!' ? (f: number) => (f & want) === 0
      : (f: number) => f === want;
    b.rule.header.push({ keyword: 'fragbits', match: (p) => p.ipVersion === 4 && fn((p.mf ? 1 : 0) | (p.df ? 2 : 0) | (p.rf ? 4 : 0)) });
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';

/** fast_pattern[:only | :offset,length]; pick the previous content for the prefilter. */
export const fastPattern: Keyword = {
  name: 'fast_pattern', value: 'optional',
  description: 'use the previous content as the prefilter (multi-pattern matcher) pattern',
  url: docUrl('fast-pattern', 'fast-pattern'),
  parse(v, b) {
    const c = b.content('fast_pattern');
    if (typeof c === 'string') return c;
    if (b.rule.payload.some((m) => m.t === 'content' && m.fastPattern)) return 'fast_pattern set on more than one content';
    c.fastPattern = true;
    if (v === null) return null;
    const s = v.trim();
    if (s === 'only') {
      c.fastPatternOnly = true;
      return null;
    }
    const m = /^(\d+)\s*,\s*(\d+)$/.exec(s);
    if (!m) return `invalid fast_pattern "${s}"`;
    const off = Number(m[1]), len = Number(m[2]);
    if (len === 0 || off + len > c.bytes.length) return `fast_pattern chop ${off},${len} outside the content`;
    c.fpChopOff = off;
    c.fpChopLen = len;
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';

/** startswith; the previous content must be at the start of the buffer (depth = length). */
export const startswith: Keyword = {
  name: 'startswith', value: 'none',
  description: 'the content must match at the start of the buffer',
  url: docUrl('payload-keywords', 'startswith'),
  parse(_v, b) {
    const c = b.content('startswith');
    if (typeof c === 'string') return c;
    if (c.hasDepth || c.hasOffset || c.hasDistance || c.hasWithin) return 'startswith cannot be combined with depth/offset/distance/within';
    c.startswith = true;
    c.hasDepth = true;
    c.depth = c.bytes.length;
    return null;
  },
};

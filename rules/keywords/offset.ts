import { docUrl, type Keyword } from './keyword.js';

/** offset:N; where in the buffer to start looking for the content (a number or a byte_extract variable). */
export const offset: Keyword = {
  name: 'offset', value: 'required',
  description: 'where in the buffer to start looking for the content',
  url: docUrl('payload-keywords', 'offset'),
  parse(v, b) {
    const c = b.content('offset');
    if (typeof c === 'string') return c;
    if (c.hasOffset) return 'offset set twice';
    if (c.startswith) return 'offset cannot be combined with startswith';
    if (c.hasDistance || c.hasWithin) return 'offset mixes relative and absolute modifiers on one content';
    const nv = b.numOrVar(v!);
    if (!nv) return `invalid offset "${v}"`;
    c.offset = nv[0];
    c.offsetVar = nv[1];
    c.hasOffset = true;
    if (nv[1] < 0 && nv[0] < 0) return 'offset must be positive';
    return null;
  },
};

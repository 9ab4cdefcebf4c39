import { docUrl, type Keyword } from './keyword.js';

/** within:N; the content must end within N bytes of the previous match (a number or a byte_extract variable). */
export const within: Keyword = {
  name: 'within', value: 'required',
  description: 'the content must end within N bytes of the previous match',
  url: docUrl('payload-keywords', 'within'),
  parse(v, b) {
    const c = b.content('within');
    if (typeof c === 'string') return c;
    if (c.hasWithin) return 'within set twice';
    if (c.startswith) return 'within cannot be combined with startswith';
    if (c.hasOffset || c.hasDepth) return 'within mixes relative and absolute modifiers on one content';
    const nv = b.numOrVar(v!);
    if (!nv) return `invalid within "${v}"`;
    c.within = nv[0];
    c.withinVar = nv[1];
    c.hasWithin = true;
    if (nv[1] < 0 && nv[0] < c.bytes.length) return `within ${nv[0]} is smaller than the content length ${c.bytes.length}`;
    return null;
  },
};

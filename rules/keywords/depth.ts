import { docUrl, type Keyword } from './keyword.js';

/** depth:N; how far into the buffer (from offset) the content may end (a number or a byte_extract variable). */
export const depth: Keyword = {
  name: 'depth', value: 'required',
  description: 'how far into the buffer (from offset) the content may end',
  url: docUrl('payload-keywords', 'depth'),
  parse(v, b) {
    const c = b.content('depth');
    if (typeof c === 'string') return c;
    if (c.hasDepth) return 'depth set twice';
    if (c.startswith) return 'depth cannot be combined with startswith';
    if (c.hasDistance || c.hasWithin) return 'depth mixes relative and absolute modifiers on one content';
    const nv = b.numOrVar(v!);
    if (!nv) return `invalid depth "${v}"`;
    c.depth = nv[0];
    c.depthVar = nv[1];
    c.hasDepth = true;
    if (nv[1] < 0 && nv[0] < 0) return 'depth must be positive';
    if (nv[1] < 0 && nv[0] < c.bytes.length) return `depth ${nv[0]} is smaller than the content length ${c.bytes.length}`;
    return null;
  },
};

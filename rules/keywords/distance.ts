import { docUrl, type Keyword } from './keyword.js';

/** distance:N; how far after the previous match the content may start (a number or a byte_extract variable). */
export const distance: Keyword = {
  name: 'distance', value: 'required',
  description: 'how far after the previous match the content may start',
  url: docUrl('payload-keywords', 'distance'),
  parse(v, b) {
    const c = b.content('distance');
    if (typeof c === 'string') return c;
    if (c.hasDistance) return 'distance set twice';
    if (c.startswith) return 'distance cannot be combined with startswith';
    if (c.hasOffset || c.hasDepth) return 'distance mixes relative and absolute modifiers on one content';
    const nv = b.numOrVar(v!);
    if (!nv) return `invalid distance "${v}"`;
    c.distance = nv[0];
    c.distanceVar = nv[1];
    c.hasDistance = true;
    return null;
  },
};

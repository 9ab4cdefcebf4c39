import { docUrl, type Keyword } from './keyword.js';
import { currentList } from './app-buffer.js';
import { parseUint } from './uint.js';

/** bsize:<uint>; the length of the current sticky buffer (after transforms). */
export const bsize: Keyword = {
  name: 'bsize', value: 'required',
  description: 'match on the length of the current sticky buffer',
  url: docUrl('payload-keywords', 'bsize'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('bsize'); return null; }
    const l = currentList(b, 'bsize');
    if (typeof l === 'string') return l;
    const c = parseUint(v!, 0xffffffff);
    if (typeof c === 'string') return `bsize: ${c}`;
    if (l.bsize) return 'bsize set twice for one buffer';
    l.bsize = c;
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import { currentList } from './app-buffer.js';

/** dotprefix; transform: prepend "." to the current buffer (domain-suffix matching). */
export const dotprefix: Keyword = {
  name: 'dotprefix', value: 'none',
  description: 'transform: prepend a dot to the current sticky buffer',
  url: docUrl('transforms', 'dotprefix'),
  parse(_v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('dotprefix'); return null; }
    const l = currentList(b, 'dotprefix');
    if (typeof l === 'string') return l;
    if (l.matches.length) return 'dotprefix must come before the buffer\'s content';
    l.transforms.push('dotprefix');
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import { lowerBytes } from './content.js';

/** nocase; the previous content matches case-insensitively (ASCII). */
export const nocase: Keyword = {
  name: 'nocase', value: 'none',
  description: 'make the previous content case insensitive',
  url: docUrl('payload-keywords', 'nocase'),
  parse(_v, b) {
    const c = b.content('nocase');
    if (typeof c === 'string') return c;
    if (c.nocase) return 'nocase set twice';
    c.nocase = true;
    c.lower = lowerBytes(c.bytes);
    return null;
  },
};

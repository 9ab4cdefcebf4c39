import { docUrl, type Keyword } from './keyword.js';

/** endswith; the previous content must end exactly at the end of the buffer. */
export const endswith: Keyword = {
  name: 'endswith', value: 'none',
  description: 'the content must match at the end of the buffer',
  url: docUrl('payload-keywords', 'endswith'),
  parse(_v, b) {
    const c = b.content('endswith');
    if (typeof c === 'string') return c;
    if (c.endswith) return 'endswith set twice';
    c.endswith = true;
    return null;
  },
};

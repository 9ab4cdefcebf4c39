import { docUrl, type Keyword } from './keyword.js';

/** rawbytes; accepted for Snort compatibility, no effect on packet/stream payload. */
export const rawbytes: Keyword = {
  name: 'rawbytes', value: 'none',
  description: 'match on raw packet bytes (Snort compatibility; Suricata ignores it)',
  url: docUrl('payload-keywords', 'rawbytes'),
  parse(_v, b) {
    const c = b.content('rawbytes');
    if (typeof c === 'string') return c;
    c.rawbytes = true;
    return null;
  },
};

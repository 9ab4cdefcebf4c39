/**
 * base64_data (Suricata detect-base64-data.c): the following content / pcre / byte_* /
 * isdataat inspect the bytes decoded by the preceding base64_decode. A terminal buffer: no
 * other buffer can follow it, and its contents never serve as fast pattern.
 */
import type { PayloadMatch } from '../types.js';
import { docUrl, type Keyword } from './keyword.js';
import { lastBase64 } from './base64-decode.js';

export const base64Data: Keyword = {
  name: 'base64_data', value: 'none',
  description: 'inspect the data decoded by base64_decode',
  url: docUrl('base64-keywords', 'base64-data'),
  parse(_v, b) {
    const d = lastBase64.get(b);
    if (!d) return 'base64_data needs a preceding base64_decode';
    if (b.buffer === 'base64_data') return 'base64_data given twice';
    const orig = b.addPayload.bind(b);
    b.buffer = 'base64_data';
    b.lastContent = null;
    b.lastPayload = null;
    b.addPayload = (m: PayloadMatch): void => {
      if (b.buffer !== 'base64_data') { orig(m); return; }
      d.data.push(m);
      b.lastPayload = m;
      if (m.t === 'content') b.lastContent = m;
    };
    return null;
  },
};

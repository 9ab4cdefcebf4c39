import { docUrl, type Keyword } from './keyword.js';

/** sid:N; signature id. */
export const sid: Keyword = {
  name: 'sid', value: 'required',
  description: 'signature id',
  url: docUrl('meta', 'sid-signature-id'),
  parse(v, b) {
    const s = v!.trim();
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 0xffffffff) return `invalid sid "${s}"`;
    b.rule.sid = Number(s);
    return null;
  },
};

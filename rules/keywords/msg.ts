import { docUrl, type Keyword } from './keyword.js';

/** msg:"text"; the signature text of the alert (quotes removed, \" \; \\ unescaped). */
export const msg: Keyword = {
  name: 'msg', value: 'required',
  description: 'textual information about the signature and the possible alert',
  url: docUrl('meta', 'msg-message'),
  parse(v, b) {
    let s = v!.trim();
    if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) s = s.slice(1, -1);
    b.rule.msg = s.replace(/\\(.)/g, '$1');
    return null;
  },
};

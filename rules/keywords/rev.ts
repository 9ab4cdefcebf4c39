import { docUrl, type Keyword } from './keyword.js';

/** rev:N; revision of the signature. */
export const rev: Keyword = {
  name: 'rev', value: 'required',
  description: 'revision of the signature',
  url: docUrl('meta', 'rev-revision'),
  parse(v, b) {
    const s = v!.trim();
    if (!/^\d+$/.test(s) || Number(s) < 0 || Number(s) > 0xffffffff) return `invalid rev "${s}"`;
    b.rule.rev = Number(s);
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';

/** gid:N; group id. */
export const gid: Keyword = {
  name: 'gid', value: 'required',
  description: 'group id',
  url: docUrl('meta', 'gid-group-id'),
  parse(v, b) {
    const s = v!.trim();
    if (!/^\d+$/.test(s) || Number(s) < 0 || Number(s) > 0xffffffff) return `invalid gid "${s}"`;
    b.rule.gid = Number(s);
    return null;
  },
};

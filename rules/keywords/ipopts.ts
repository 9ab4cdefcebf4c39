import { docUrl, type Keyword } from './keyword.js';
import { IPOPT } from '../detect/packet-view.js';

/** ipopts:rr|eol|nop|ts|sec|esec|lsrr|ssrr|satid|any; an IPv4 option is present. */
export const ipopts: Keyword = {
  name: 'ipopts', value: 'required',
  description: 'check whether a specific IP option is set',
  url: docUrl('header-keywords', 'ipopts'),
  parse(v, b) {
    const name = v!.trim() as keyof typeof IPOPT;
    const bit = IPOPT[name];
    if (bit === undefined) return `invalid ipopts "${v}"`;
    b.rule.header.push({ keyword: 'ipopts', match: (p) => (p.ipOpts & bit) !== 0 });
    return null;
  },
};

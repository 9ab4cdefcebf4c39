import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** dsize:<uint>; the packet payload size (packets only: a rule with dsize never inspects the stream). */
export const dsize: Keyword = {
  name: 'dsize', value: 'required',
  description: 'match on the size of the packet payload',
  url: docUrl('payload-keywords', 'dsize'),
  parse(v, b) {
    const c = parseUint(v!, 65535);
    if (typeof c === 'string') return `dsize: ${c}`;
    if (b.rule.dsize) return 'dsize set twice';
    b.rule.dsize = c;
    b.rule.header.push({ keyword: 'dsize', match: (p) => uintMatch(c, p.payLen) });
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import { parseUint, uintMatch } from './uint.js';

/** icmpv6.mtu:<uint>; the MTU of an ICMPv6 Packet Too Big message (type 2; other types never match). */
export const icmpv6Mtu: Keyword = {
  name: 'icmpv6.mtu', value: 'required',
  description: 'match on the MTU field of an ICMPv6 Packet Too Big message',
  url: docUrl('header-keywords', 'icmpv6-mtu'),
  parse(v, b) {
    const c = parseUint(v!, 0xffffffff);
    if (typeof c === 'string') return `icmpv6.mtu: ${c}`;
    b.rule.header.push({
      keyword: 'icmpv6.mtu',
      match: (p) => {
        if (p.proto !== 58 || p.icmpType !== 2 || p.l4Off < 0 || p.l4Off + 8 > p.data.length) return false;
        const d = p.data, o = p.l4Off + 4;
        return uintMatch(c, ((d[o] << 24) >>> 0) + (d[o + 1] << 16) + (d[o + 2] << 8) + d[o + 3]);
      },
    });
    return null;
  },
};

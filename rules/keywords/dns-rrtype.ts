import { docUrl, type Keyword } from './keyword.js';
import { appSpec, BOTH } from './app-buffer.js';
import { parseUint } from './uint.js';
import { AppProto } from '../../sensor/app/types.js';

/** dns.rrtype:<uint>; any question (or answer) record type of the message. */
export const dnsRrtype: Keyword = {
  name: 'dns.rrtype', value: 'required',
  description: 'match on a DNS record type',
  url: docUrl('dns-keywords', 'dns-rrtype'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('dns.rrtype'); return null; }
    const c = parseUint(v!, 65535);
    if (typeof c === 'string') return `dns.rrtype: ${c}`;
    const a = appSpec(b);
    if (a.proto !== 0 && a.proto !== AppProto.DNS) return 'dns.rrtype needs a DNS rule';
    a.proto = AppProto.DNS;
    a.nums.push({ name: 'rrtype', check: c, dirs: BOTH });
    return null;
  },
};

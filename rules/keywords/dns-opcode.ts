import { docUrl, type Keyword } from './keyword.js';
import { appSpec, BOTH } from './app-buffer.js';
import { parseUint } from './uint.js';
import { AppProto } from '../../sensor/app/types.js';

/** dns.opcode:[!]<uint>; the DNS header opcode. */
export const dnsOpcode: Keyword = {
  name: 'dns.opcode', aliases: ['dns_opcode'], value: 'required',
  description: 'match on the DNS opcode',
  url: docUrl('dns-keywords', 'dns-opcode'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('dns.opcode'); return null; }
    const c = parseUint(v!, 15);
    if (typeof c === 'string') return `dns.opcode: ${c}`;
    const a = appSpec(b);
    if (a.proto !== 0 && a.proto !== AppProto.DNS) return 'dns.opcode needs a DNS rule';
    a.proto = AppProto.DNS;
    a.nums.push({ name: 'opcode', check: c, dirs: BOTH });
    return null;
  },
};

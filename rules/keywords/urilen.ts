import { docUrl, type Keyword } from './keyword.js';
import { appSpec, TO_SERVER } from './app-buffer.js';
import { parseUint } from './uint.js';
import { AppProto } from '../../sensor/app/types.js';

/** urilen:<uint>[,norm|raw]; the length of the normalized (default) or raw request URI. */
export const urilen: Keyword = {
  name: 'urilen', value: 'required',
  description: 'match on the length of the HTTP request URI',
  url: docUrl('http-keywords', 'urilen'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('urilen'); return null; }
    const [n, kind] = v!.split(',').map((s) => s.trim());
    if (kind !== undefined && kind !== 'norm' && kind !== 'raw') return `urilen: unknown buffer "${kind}"`;
    const c = parseUint(n, 0xffffffff);
    if (typeof c === 'string') return `urilen: ${c}`;
    const a = appSpec(b);
    if (a.proto !== 0 && a.proto !== AppProto.HTTP) return 'urilen needs an HTTP rule';
    a.proto = AppProto.HTTP;
    a.nums.push({ name: kind === 'raw' ? 'urilen.raw' : 'urilen', check: c, dirs: TO_SERVER });
    return null;
  },
};

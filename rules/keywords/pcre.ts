import { docUrl, type Keyword } from './keyword.js';
import * as p2 from '../../native/pcre2.js';
import { BUFFER_DEFS, listFor } from './app-buffer.js';

/** App-layer buffer modifiers of pcre; rules using them need that buffer. */
const BUFFER_FLAGS: Record<string, string> = {
  U: 'http.uri', I: 'http.uri.raw', P: 'http.request_body', Q: 'http.response_body',
  H: 'http.header', D: 'http.header.raw', M: 'http.method', C: 'http.cookie', K: 'http.cookie',
  S: 'http.stat_code', Y: 'http.stat_msg', V: 'http.user_agent', W: 'http.host', Z: 'http.host.raw',
};

/** pcre:[!]"/re/flags"; a PCRE2 regular expression on the current buffer. */
export const pcre: Keyword = {
  name: 'pcre', value: 'required',
  description: 'match the current buffer with a Perl compatible regular expression (PCRE2, JIT)',
  url: docUrl('payload-keywords', 'pcre-perl-compatible-regular-expressions'),
  parse(v, b) {
    let s = v!.trim();
    let negated = false;
    if (s.startsWith('!')) { negated = true; s = s.slice(1).trim(); }
    if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return `pcre must be quoted: ${v}`;
    s = s.slice(1, -1).replace(/\\([";\\:])/g, (m, c) => (c === '\\' ? m : c));
    if (!s.startsWith('/')) return 'pcre must start with /';
    const end = s.lastIndexOf('/');
    if (end <= 0) return 'pcre has no closing /';
    const re = s.slice(1, end);
    const flags = s.slice(end + 1);
    let opts = 0, relative = false, rawbytes = false;
    let buffer = '';
    for (const f of flags) {
      switch (f) {
        case 'i': opts |= p2.PCRE2_CASELESS; break;
        case 's': opts |= p2.PCRE2_DOTALL; break;
        case 'm': opts |= p2.PCRE2_MULTILINE; break;
        case 'x': opts |= p2.PCRE2_EXTENDED; break;
        case 'A': opts |= p2.PCRE2_ANCHORED; break;
        case 'E': opts |= p2.PCRE2_DOLLAR_ENDONLY; break;
        case 'G': opts |= p2.PCRE2_UNGREEDY; break;
        case 'R': relative = true; break;
        case 'B': rawbytes = true; break;
        case 'O': break; // override match limits: Fennec keeps one global limit
        default:
          if (BUFFER_FLAGS[f]) {
            if (!b.ctx.appLayer) { b.rule.needs.push(BUFFER_FLAGS[f]); return null; }
            if (buffer && buffer !== BUFFER_FLAGS[f]) return `pcre modifiers of two buffers (${buffer}, ${BUFFER_FLAGS[f]})`;
            buffer = BUFFER_FLAGS[f];
            break;
          }
          return `unknown pcre modifier "${f}"`;
      }
    }
    let code: p2.Pcre2Code;
    try {
      code = p2.compile(Buffer.from(re, 'utf8'), opts);
    } catch (e) {
      if (e instanceof p2.Pcre2CompileError) return `pcre: ${e.message}`;
      throw e;
    }
    const m = { t: 'pcre' as const, source: v!.trim(), code, negated, relative, rawbytes };
    if (buffer && b.buffer !== buffer) {
      // /U /H /P ...: the pcre inspects that app buffer (as if after its sticky keyword);
      // in that same sticky buffer (ET Open: `http.uri; ... pcre:"/x/UR"`) it is redundant.
      const d = BUFFER_DEFS.get(buffer);
      if (!d) return `pcre modifier for ${buffer}: buffer not available`;
      const l = listFor(b, d);
      if (typeof l === 'string') return l;
      l.matches.push(m);
      b.lastPayload = m;
      return null;
    }
    b.addPayload(m);
    return null;
  },
};

/**
 * absent[: or_else] (Suricata 8 detect-isdataat.c / "absent" keyword): right after a sticky
 * buffer. `absent` matches when the transaction has no such buffer (file.data of a response
 * without a body, http.request_header of a request without headers); `absent: or_else`
 * matches when it is absent OR the buffer's following matches match. Evaluated in
 * rules/detect/app-inspect.ts (list()).
 */
import { docUrl, type Keyword } from './keyword.js';
import { currentList } from './app-buffer.js';

declare module './app-buffer.js' {
  interface AppList {
    /** 1 = `absent` (the buffer must be missing), 2 = `absent: or_else` (missing, or the list matches). */
    absent?: number;
  }
}

export const absent: Keyword = {
  name: 'absent', value: 'optional',
  description: 'match when the current sticky buffer is absent (or_else: absent or the following matches)',
  url: docUrl('payload-keywords', 'absent'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('absent'); return null; }
    if (v !== null && v !== 'or_else') return `absent: unknown option "${v}"`;
    const l = currentList(b, 'absent');
    if (typeof l === 'string') return l;
    if (l.matches.length || l.bsize !== null || l.transforms.length) return 'absent must follow the sticky buffer directly';
    if (l.absent) return 'absent given twice';
    l.absent = v === 'or_else' ? 2 : 1;
    return null;
  },
};

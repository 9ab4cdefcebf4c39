/**
 * filesize (Suricata detect-filesize.c): the tracked size of a file — for HTTP the body of
 * one direction of a transaction that sensor/app/http names as a file (see file.name).
 *
 *   filesize:<uint64>;            N, <N, >N, <=N, >=N, N<>M, !N (rust/src/detect/uint.rs)
 *   filesize:to_client, <uint64>; (Suricata 8 `=>` rules: the file of that direction)
 *
 * A complete file is compared with any operator; a truncated one only matches `>` / `>=`
 * (DetectFilesizeMatch: "only see if what we have meets the GT condition"). Files exist in
 * the HTTP parser only today (other protocols answer NaN: no match).
 */
import { docUrl, type Keyword } from './keyword.js';
import { appSpec, BOTH, TO_CLIENT, TO_SERVER } from './app-buffer.js';
import { parseUint, UintMode } from './uint.js';

export const filesize: Keyword = {
  name: 'filesize', value: 'required',
  description: 'match on the size of a transferred file',
  url: docUrl('file-keywords', 'filesize'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('filesize'); return null; }
    let s = v!.trim(), dirs = BOTH;
    const m = /^(to_client|to_server)\s*,\s*(.*)$/.exec(s);
    if (m) {
      if (!b.rule.txBoth) return 'filesize: a direction is only allowed in => rules';
      dirs = m[1] === 'to_client' ? TO_CLIENT : TO_SERVER;
      s = m[2];
    } else if (b.rule.txBoth) dirs = TO_SERVER;
    const c = parseUint(s, Number.MAX_SAFE_INTEGER);
    if (typeof c === 'string') return `filesize: ${c}`;
    const gt = c.mode === UintMode.GT || c.mode === UintMode.GE;
    appSpec(b).nums.push({ name: gt ? 'filesize.gt' : 'filesize', check: c, dirs });
    return null;
  },
};

import { BOTH, type BufferDef } from './app-buffer.js';
import { fileBuffer } from './file-proto.js';
import { content } from './content.js';
import { nocase } from './nocase.js';
import { docUrl, type Keyword } from './keyword.js';
import type { RuleBuilder } from '../builder.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'file.name', buffer: BUF.FILE_NAME, proto: AppProto.HTTP, dirs: BOTH,
  description: 'file name of a tracked file: an HTTP body named by Content-Disposition filename= or the URI path',
  doc: ['file-keywords', 'file-name'],
};

/** file.name; sticky buffer: the name of a file (sensor/app/http HttpTx.fileName). */
export const fileName = fileBuffer(def);

/** `"x"`, `!"x"` or unquoted `x` → the quoted content value with an optional prefix inside the quotes. */
function quoted(v: string, prefix: string): string {
  let s = v.trim();
  const neg = s.startsWith('!');
  if (neg) s = s.slice(1).trim();
  if (!(s.length >= 2 && s.startsWith('"') && s.endsWith('"'))) s = `"${s}"`;
  return `${neg ? '!' : ''}"${prefix}${s.slice(1)}`;
}

/**
 * The legacy option forms of Suricata 7 (detect-filename.c / detect-fileext.c): the value
 * becomes a case-insensitive content on file.name, and the buffer the rule was writing to
 * before stays current (the option is not sticky).
 */
export function legacyFileContent(kw: string, v: string, b: RuleBuilder, prefix: string, end: boolean): string | null {
  const prev = b.buffer;
  let e = fileName.parse(null, b);
  if (e) return e;
  if (b.buffer !== def.name) return null; // app-layer keywords off: the rule is skipped as needs-app-layer
  e = content.parse(quoted(v, prefix), b) ?? nocase.parse(null, b);
  if (e) return `${kw}: ${e}`;
  if (end) {
    const c = b.lastContent;
    if (c) c.endswith = true;
  }
  b.buffer = prev;
  b.lastContent = null;
  b.lastPayload = null;
  return null;
}

/** filename:[!]"name"; the file name contains the string (case-insensitive). */
export const filename: Keyword = {
  name: 'filename', value: 'required',
  description: 'legacy: the file name contains the string (case-insensitive); file.name is the sticky form',
  url: docUrl('file-keywords', 'filename'),
  parse(v, b) { return legacyFileContent('filename', v!, b, '', false); },
};

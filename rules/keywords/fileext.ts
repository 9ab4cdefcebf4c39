import { docUrl, type Keyword } from './keyword.js';
import { legacyFileContent } from './file-name.js';

/**
 * fileext:[!]"ext"; the file name ends with "." + ext, case-insensitive — Suricata 7 turns
 * it into `file.name; content:".ext"; endswith; nocase;` (detect-fileext.c).
 */
export const fileext: Keyword = {
  name: 'fileext', value: 'required',
  description: 'the file name ends with "." and the extension (case-insensitive)',
  url: docUrl('file-keywords', 'fileext'),
  parse(v, b) { return legacyFileContent('fileext', v!, b, '.', true); },
};

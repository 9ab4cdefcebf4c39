import { docUrl, type Keyword } from './keyword.js';
import { http2Num } from './http2-num.js';

/** RFC 7540 §6.5.2 setting ids by name. */
const SETTINGS: Record<string, number> = {
  SETTINGS_HEADER_TABLE_SIZE: 1, SETTINGS_ENABLE_PUSH: 2, SETTINGS_MAX_CONCURRENT_STREAMS: 3,
  SETTINGS_INITIAL_WINDOW_SIZE: 4, SETTINGS_MAX_FRAME_SIZE: 5, SETTINGS_MAX_HEADER_LIST_SIZE: 6,
};

/**
 * http2.settings:<NAME>[<op><value>]; a SETTINGS entry with that id (and a value that
 * matches) in the transaction side, e.g. `http2.settings:SETTINGS_ENABLE_PUSH=0`.
 */
export const http2Settings: Keyword = {
  name: 'http2.settings', value: 'required',
  description: 'match on the id and value of an HTTP/2 SETTINGS entry',
  url: docUrl('http2-keywords', 'http2-settings'),
  parse(v, b) {
    const m = /^\s*([A-Z_0-9]+)\s*(.*)$/i.exec(v!);
    const id = m ? SETTINGS[m[1].toUpperCase()] : undefined;
    if (!m || id === undefined) return `http2.settings: unknown setting "${v}"`;
    const rest = m[2].trim();
    return http2Num(b, 'http2.settings', `http2.settings.${id}`, rest === '' ? '>=0' : rest, 0xffffffff);
  },
};

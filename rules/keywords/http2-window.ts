import { docUrl, type Keyword } from './keyword.js';
import { http2Num } from './http2-num.js';

/** http2.window:<value>; match on the increment of a WINDOW_UPDATE frame */
export const http2Window: Keyword = {
  name: 'http2.window', value: 'required',
  description: 'match on the increment of a WINDOW_UPDATE frame',
  url: docUrl('http2-keywords', 'http2-window'),
  parse(v, b) { return http2Num(b, 'http2.window', 'http2.window', v!, 0x7fffffff); },
};

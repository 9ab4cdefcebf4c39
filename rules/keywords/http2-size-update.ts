import { docUrl, type Keyword } from './keyword.js';
import { http2Num } from './http2-num.js';

/** http2.size_update:<value>; match on an HPACK dynamic table size update */
export const http2SizeUpdate: Keyword = {
  name: 'http2.size_update', value: 'required',
  description: 'match on an HPACK dynamic table size update',
  url: docUrl('http2-keywords', 'http2-size-update'),
  parse(v, b) { return http2Num(b, 'http2.size_update', 'http2.size_update', v!, 0xffffffff); },
};

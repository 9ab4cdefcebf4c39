import { docUrl, type Keyword } from './keyword.js';
import { http2Num } from './http2-num.js';

/** http2.priority:<value>; match on the weight of a PRIORITY frame or a HEADERS priority */
export const http2Priority: Keyword = {
  name: 'http2.priority', value: 'required',
  description: 'match on the weight of a PRIORITY frame or a HEADERS priority',
  url: docUrl('http2-keywords', 'http2-priority'),
  parse(v, b) { return http2Num(b, 'http2.priority', 'http2.priority', v!, 255); },
};

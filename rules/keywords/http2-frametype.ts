import { docUrl, type Keyword } from './keyword.js';
import { http2Num } from './http2-num.js';

/** RFC 7540 frame type names by value. */
export const FRAME_TYPES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'] as const;

/** http2.frametype:<value>; match on a frame type present in the HTTP/2 transaction side (name or number) */
export const http2Frametype: Keyword = {
  name: 'http2.frametype', value: 'required',
  description: 'match on a frame type present in the HTTP/2 transaction side (name or number)',
  url: docUrl('http2-keywords', 'http2-frametype'),
  parse(v, b) { return http2Num(b, 'http2.frametype', 'http2.frametype', v!, 255, FRAME_TYPES); },
};

import { docUrl, type Keyword } from './keyword.js';
import { http2Num } from './http2-num.js';

/** RFC 7540 §7 error code names by value. */
export const ERROR_CODES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'] as const;

/** http2.errorcode:<value>; match on the error code of a GOAWAY or RST_STREAM frame (name or number) */
export const http2Errorcode: Keyword = {
  name: 'http2.errorcode', value: 'required',
  description: 'match on the error code of a GOAWAY or RST_STREAM frame (name or number)',
  url: docUrl('http2-keywords', 'http2-errorcode'),
  parse(v, b) { return http2Num(b, 'http2.errorcode', 'http2.errorcode', v!, 0xffffffff, ERROR_CODES); },
};

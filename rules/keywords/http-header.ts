import { BOTH, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.header', buffer: BUF.HTTP_HEADER, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the header fields as "Name: value\r\n" lines', doc: ['http-keywords', 'http-header-and-http-header-raw'],
};

/** http.header; sticky buffer: the header fields as "Name: value\r\n" lines. */
export const httpHeader = stickyBuffer(def);

/** http_header; legacy content modifier for http.header. */
export const httpHeaderModifier = contentModifier('http_header', def);

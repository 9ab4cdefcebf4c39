import { BOTH, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.header.raw', buffer: BUF.HTTP_HEADER_RAW, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the header block as sent', doc: ['http-keywords', 'http-header-and-http-header-raw'],
};

/** http.header.raw; sticky buffer: the header block as sent. */
export const httpHeaderRaw = stickyBuffer(def);

/** http_raw_header; legacy content modifier for http.header.raw. */
export const httpHeaderRawModifier = contentModifier('http_raw_header', def);

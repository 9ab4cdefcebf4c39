import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http2.header_name', buffer: BUF.HTTP2_HEADER_NAME, proto: AppProto.HTTP2, dirs: BOTH, multi: true,
  description: 'each HTTP/2 header name of the transaction side', doc: ['http2-keywords', 'http2-header-name'],
};

/** http2.header_name; sticky multi-buffer: each header name (pseudo-headers included). */
export const http2HeaderName = stickyBuffer(def);

import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http2.header', buffer: BUF.HTTP2_HEADER, proto: AppProto.HTTP2, dirs: BOTH, multi: true,
  description: 'each HTTP/2 header of the transaction side as "name: value" (":" doubled inside)', doc: ['http2-keywords', 'http2-header'],
};

/** http2.header; sticky multi-buffer: each header as "name: value" with ':' escaped as "::" (Suricata). */
export const http2Header = stickyBuffer(def);

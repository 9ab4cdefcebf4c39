import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.content_len', aliases: ['http_content_len'], buffer: BUF.HTTP_CONTENT_LEN, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the Content-Length header value', doc: ['http-keywords', 'http-content-len'],
};

/** http.content_len; sticky buffer: the Content-Length header value. */
export const httpContentLen = stickyBuffer(def);

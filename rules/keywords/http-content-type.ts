import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.content_type', aliases: ['http_content_type'], buffer: BUF.HTTP_CONTENT_TYPE, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the Content-Type header value', doc: ['http-keywords', 'http-content-type'],
};

/** http.content_type; sticky buffer: the Content-Type header value. */
export const httpContentType = stickyBuffer(def);

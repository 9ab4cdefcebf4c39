import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.connection', aliases: ['http_connection'], buffer: BUF.HTTP_CONNECTION, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the Connection header value', doc: ['http-keywords', 'http-connection'],
};

/** http.connection; sticky buffer: the Connection header value. */
export const httpConnection = stickyBuffer(def);

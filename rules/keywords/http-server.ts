import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.server', aliases: ['http_server'], buffer: BUF.HTTP_SERVER, proto: AppProto.HTTP, dirs: TO_CLIENT,
  description: 'the Server header value', doc: ['http-keywords', 'http-server'],
};

/** http.server; sticky buffer: the Server header value. */
export const httpServer = stickyBuffer(def);

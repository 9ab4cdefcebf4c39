import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.request_line', aliases: ['http_request_line'], buffer: BUF.HTTP_REQUEST_LINE, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the whole request line', doc: ['http-keywords', 'http-request-line'],
};

/** http.request_line; sticky buffer: the whole request line. */
export const httpRequestLine = stickyBuffer(def);

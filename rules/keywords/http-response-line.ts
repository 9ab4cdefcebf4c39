import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.response_line', aliases: ['http_response_line'], buffer: BUF.HTTP_RESPONSE_LINE, proto: AppProto.HTTP, dirs: TO_CLIENT,
  description: 'the whole status line', doc: ['http-keywords', 'http-response-line'],
};

/** http.response_line; sticky buffer: the whole status line. */
export const httpResponseLine = stickyBuffer(def);

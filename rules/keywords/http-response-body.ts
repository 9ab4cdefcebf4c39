import { TO_CLIENT, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.response_body', buffer: BUF.HTTP_RESPONSE_BODY, proto: AppProto.HTTP, dirs: TO_CLIENT,
  description: 'the response body (dechunked, gzip/deflate decoded)', doc: ['http-keywords', 'http-server-body'],
};

/** http.response_body; sticky buffer: the response body (dechunked, gzip/deflate decoded). */
export const httpResponseBody = stickyBuffer(def);

/** http_server_body; legacy content modifier for http.response_body. */
export const httpResponseBodyModifier = contentModifier('http_server_body', def);

import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.request_body', buffer: BUF.HTTP_REQUEST_BODY, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the request body (dechunked)', doc: ['http-keywords', 'http-client-body'],
};

/** http.request_body; sticky buffer: the request body (dechunked). */
export const httpRequestBody = stickyBuffer(def);

/** http_client_body; legacy content modifier for http.request_body. */
export const httpRequestBodyModifier = contentModifier('http_client_body', def);

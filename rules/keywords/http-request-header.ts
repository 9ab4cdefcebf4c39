import { TO_CLIENT, TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const req: BufferDef = {
  name: 'http.request_header', buffer: BUF.HTTP_REQUEST_HEADER, proto: AppProto.HTTP, dirs: TO_SERVER, multi: true,
  description: 'each request header as "Name: value" (multi-buffer: matches if any header matches)', doc: ['http-keywords', 'http-request-header'],
};
const resp: BufferDef = {
  name: 'http.response_header', buffer: BUF.HTTP_RESPONSE_HEADER, proto: AppProto.HTTP, dirs: TO_CLIENT, multi: true,
  description: 'each response header as "Name: value" (multi-buffer: matches if any header matches)', doc: ['http-keywords', 'http-response-header'],
};

/** http.request_header; multi sticky buffer: one "Name: value" per request header line. */
export const httpRequestHeader = stickyBuffer(req);
/** http.response_header; multi sticky buffer: one "Name: value" per response header line. */
export const httpResponseHeader = stickyBuffer(resp);

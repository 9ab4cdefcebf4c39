import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.accept', aliases: ['http_accept'], buffer: BUF.HTTP_ACCEPT, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the Accept header value', doc: ['http-keywords', 'http-accept'],
};

/** http.accept; sticky buffer: the Accept header value. */
export const httpAccept = stickyBuffer(def);

import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.start', aliases: ['http_start'], buffer: BUF.HTTP_START, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the request/response line and the header block', doc: ['http-keywords', 'http-start'],
};

/** http.start; sticky buffer: the request/response line and the header block. */
export const httpStart = stickyBuffer(def);

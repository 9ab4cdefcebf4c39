import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.referer', aliases: ['http_referer'], buffer: BUF.HTTP_REFERER, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the Referer header value', doc: ['http-keywords', 'http-referer'],
};

/** http.referer; sticky buffer: the Referer header value. */
export const httpReferer = stickyBuffer(def);

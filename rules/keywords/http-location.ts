import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.location', aliases: ['http_location'], buffer: BUF.HTTP_LOCATION, proto: AppProto.HTTP, dirs: TO_CLIENT,
  description: 'the Location header value', doc: ['http-keywords', 'http-location'],
};

/** http.location; sticky buffer: the Location header value. */
export const httpLocation = stickyBuffer(def);

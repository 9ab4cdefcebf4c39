import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.method', buffer: BUF.HTTP_METHOD, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the request method', doc: ['http-keywords', 'http-method'],
};

/** http.method; sticky buffer: the request method. */
export const httpMethod = stickyBuffer(def);

/** http_method; legacy content modifier for http.method. */
export const httpMethodModifier = contentModifier('http_method', def);

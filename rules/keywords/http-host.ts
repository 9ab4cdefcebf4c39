import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.host', buffer: BUF.HTTP_HOST, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the normalized Host (lower case, no port)', doc: ['http-keywords', 'http-host-and-http-host-raw'],
};

/** http.host; sticky buffer: the normalized Host (lower case, no port). */
export const httpHost = stickyBuffer(def);

/** http_host; legacy content modifier for http.host. */
export const httpHostModifier = contentModifier('http_host', def);

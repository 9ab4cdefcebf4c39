import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.uri.raw', buffer: BUF.HTTP_URI_RAW, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the request URI as sent', doc: ['http-keywords', 'http-uri-and-http-uri-raw'],
};

/** http.uri.raw; sticky buffer: the request URI as sent. */
export const httpUriRaw = stickyBuffer(def);

/** http_raw_uri; legacy content modifier for http.uri.raw. */
export const httpUriRawModifier = contentModifier('http_raw_uri', def);

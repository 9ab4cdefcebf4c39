import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.uri', aliases: ['http.uri.normalized'], buffer: BUF.HTTP_URI, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the normalized request URI (percent-decoded, dot segments removed)', doc: ['http-keywords', 'http-uri-and-http-uri-raw'],
};

/** http.uri; sticky buffer: the normalized request URI (percent-decoded, dot segments removed). */
export const httpUri = stickyBuffer(def);

/** http_uri; legacy content modifier for http.uri. */
export const httpUriModifier = contentModifier('http_uri', def);

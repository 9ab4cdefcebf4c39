import { BOTH, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.cookie', buffer: BUF.HTTP_COOKIE, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the Cookie (request) or Set-Cookie (response) header value', doc: ['http-keywords', 'http-cookie'],
};

/** http.cookie; sticky buffer: the Cookie (request) or Set-Cookie (response) header value. */
export const httpCookie = stickyBuffer(def);

/** http_cookie; legacy content modifier for http.cookie. */
export const httpCookieModifier = contentModifier('http_cookie', def);

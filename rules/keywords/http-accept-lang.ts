import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.accept_lang', aliases: ['http_accept_lang'], buffer: BUF.HTTP_ACCEPT_LANG, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the Accept-Language header value', doc: ['http-keywords', 'http-accept-lang'],
};

/** http.accept_lang; sticky buffer: the Accept-Language header value. */
export const httpAcceptLang = stickyBuffer(def);

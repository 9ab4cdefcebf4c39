import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.accept_enc', aliases: ['http_accept_enc'], buffer: BUF.HTTP_ACCEPT_ENC, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the Accept-Encoding header value', doc: ['http-keywords', 'http-accept-enc'],
};

/** http.accept_enc; sticky buffer: the Accept-Encoding header value. */
export const httpAcceptEnc = stickyBuffer(def);

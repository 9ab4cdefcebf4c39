import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.protocol', aliases: ['http_protocol'], buffer: BUF.HTTP_PROTOCOL, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the protocol field of the request or response line', doc: ['http-keywords', 'http-protocol'],
};

/** http.protocol; sticky buffer: the protocol field of the request or response line. */
export const httpProtocol = stickyBuffer(def);

import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.header_names', aliases: ['http_header_names'], buffer: BUF.HTTP_HEADER_NAMES, proto: AppProto.HTTP, dirs: BOTH,
  description: 'the header names, each preceded by \r\n, ending with \r\n\r\n', doc: ['http-keywords', 'http-header-names'],
};

/** http.header_names; sticky buffer: the header names, each preceded by \r\n, ending with \r\n\r\n. */
export const httpHeaderNames = stickyBuffer(def);

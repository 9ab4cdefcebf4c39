import { TO_CLIENT, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.stat_code', buffer: BUF.HTTP_STAT_CODE, proto: AppProto.HTTP, dirs: TO_CLIENT,
  description: 'the response status code', doc: ['http-keywords', 'http-stat-code'],
};

/** http.stat_code; sticky buffer: the response status code. */
export const httpStatCode = stickyBuffer(def);

/** http_stat_code; legacy content modifier for http.stat_code. */
export const httpStatCodeModifier = contentModifier('http_stat_code', def);

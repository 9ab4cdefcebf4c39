import { TO_CLIENT, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.stat_msg', buffer: BUF.HTTP_STAT_MSG, proto: AppProto.HTTP, dirs: TO_CLIENT,
  description: 'the response reason phrase', doc: ['http-keywords', 'http-stat-msg'],
};

/** http.stat_msg; sticky buffer: the response reason phrase. */
export const httpStatMsg = stickyBuffer(def);

/** http_stat_msg; legacy content modifier for http.stat_msg. */
export const httpStatMsgModifier = contentModifier('http_stat_msg', def);

import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.user_agent', buffer: BUF.HTTP_USER_AGENT, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the User-Agent header value', doc: ['http-keywords', 'http-user-agent'],
};

/** http.user_agent; sticky buffer: the User-Agent header value. */
export const httpUserAgent = stickyBuffer(def);

/** http_user_agent; legacy content modifier for http.user_agent. */
export const httpUserAgentModifier = contentModifier('http_user_agent', def);

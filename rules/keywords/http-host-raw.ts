import { TO_SERVER, contentModifier, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'http.host.raw', buffer: BUF.HTTP_HOST_RAW, proto: AppProto.HTTP, dirs: TO_SERVER,
  description: 'the Host header as sent', doc: ['http-keywords', 'http-host-and-http-host-raw'],
};

/** http.host.raw; sticky buffer: the Host header as sent. */
export const httpHostRaw = stickyBuffer(def);

/** http_raw_host; legacy content modifier for http.host.raw. */
export const httpHostRawModifier = contentModifier('http_raw_host', def);

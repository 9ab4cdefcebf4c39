import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const defs: BufferDef[] = [
  { name: 'tls.random', buffer: BUF.TLS_RANDOM, proto: AppProto.TLS, dirs: BOTH,
    description: 'the 32-byte Hello random (ClientHello to server, ServerHello to client)', doc: ['tls-keywords', 'tls-random'] },
  { name: 'tls.random_time', buffer: BUF.TLS_RANDOM_TIME, proto: AppProto.TLS, dirs: BOTH,
    description: 'the first 4 bytes (gmt_unix_time) of the Hello random', doc: ['tls-keywords', 'tls-random-time'] },
  { name: 'tls.random_bytes', buffer: BUF.TLS_RANDOM_BYTES, proto: AppProto.TLS, dirs: BOTH,
    description: 'the last 28 bytes of the Hello random', doc: ['tls-keywords', 'tls-random-bytes'] },
];

/** tls.random / tls.random_time / tls.random_bytes; sticky buffers over the Hello randoms. */
export const TLS_RANDOM_KEYWORDS = defs.map(stickyBuffer);

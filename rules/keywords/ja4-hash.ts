import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ja4.hash', buffer: BUF.JA4_HASH, proto: AppProto.TLS, dirs: TO_SERVER,
  description: 'the JA4 fingerprint of the ClientHello', doc: ['ja-keywords', 'ja4-hash'],
};

/** ja4.hash; sticky buffer: the JA4 fingerprint of the ClientHello. */
export const ja4Hash = stickyBuffer(def);

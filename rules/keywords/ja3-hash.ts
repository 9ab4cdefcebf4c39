import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ja3.hash', aliases: ['ja3_hash'], buffer: BUF.JA3_HASH, proto: AppProto.TLS, dirs: TO_SERVER,
  description: 'the JA3 hash of the ClientHello', doc: ['ja3-keywords', 'ja3-hash'],
};

/** ja3.hash; sticky buffer: the JA3 hash of the ClientHello. */
export const ja3Hash = stickyBuffer(def);

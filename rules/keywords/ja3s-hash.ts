import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ja3s.hash', aliases: ['ja3s_hash'], buffer: BUF.JA3S_HASH, proto: AppProto.TLS, dirs: TO_CLIENT,
  description: 'the JA3S hash of the ServerHello', doc: ['ja3-keywords', 'ja3s-hash'],
};

/** ja3s.hash; sticky buffer: the JA3S hash of the ServerHello. */
export const ja3sHash = stickyBuffer(def);

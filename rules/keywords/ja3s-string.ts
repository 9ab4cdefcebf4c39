import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ja3s.string', aliases: ['ja3s_string'], buffer: BUF.JA3S_STRING, proto: AppProto.TLS, dirs: TO_CLIENT,
  description: 'the JA3S string of the ServerHello', doc: ['ja3-keywords', 'ja3s-string'],
};

/** ja3s.string; sticky buffer: the JA3S string of the ServerHello. */
export const ja3sString = stickyBuffer(def);

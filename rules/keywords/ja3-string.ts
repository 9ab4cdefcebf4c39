import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ja3.string', aliases: ['ja3_string'], buffer: BUF.JA3_STRING, proto: AppProto.TLS, dirs: TO_SERVER,
  description: 'the JA3 string of the ClientHello', doc: ['ja3-keywords', 'ja3-string'],
};

/** ja3.string; sticky buffer: the JA3 string of the ClientHello. */
export const ja3String = stickyBuffer(def);

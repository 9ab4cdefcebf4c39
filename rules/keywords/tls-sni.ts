import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'tls.sni', aliases: ['tls_sni'], buffer: BUF.TLS_SNI, proto: AppProto.TLS, dirs: TO_SERVER,
  description: 'the ClientHello server name', doc: ['tls-keywords', 'tls-sni'],
};

/** tls.sni; sticky buffer: the ClientHello server name. */
export const tlsSni = stickyBuffer(def);

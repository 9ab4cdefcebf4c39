import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'tls.certs', buffer: BUF.TLS_CERTS, proto: AppProto.TLS, dirs: TO_CLIENT, multi: true,
  description: 'each certificate of the server chain (DER)', doc: ['tls-keywords', 'tls-certs'],
};

/** tls.certs; sticky buffer: each certificate of the server chain (DER). */
export const tlsCerts = stickyBuffer(def);

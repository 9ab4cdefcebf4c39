import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'tls.cert_serial', aliases: ['tls_cert_serial'], buffer: BUF.TLS_CERT_SERIAL, proto: AppProto.TLS, dirs: TO_CLIENT,
  description: 'the server certificate serial ("0A:1B:..")', doc: ['tls-keywords', 'tls-cert-serial'],
};

/** tls.cert_serial; sticky buffer: the server certificate serial ("0A:1B:.."). */
export const tlsCertSerial = stickyBuffer(def);

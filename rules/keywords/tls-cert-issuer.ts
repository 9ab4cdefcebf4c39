import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'tls.cert_issuer', aliases: ['tls_cert_issuer'], buffer: BUF.TLS_CERT_ISSUER, proto: AppProto.TLS, dirs: TO_CLIENT,
  description: 'the server certificate issuer', doc: ['tls-keywords', 'tls-cert-issuer'],
};

/** tls.cert_issuer; sticky buffer: the server certificate issuer. */
export const tlsCertIssuer = stickyBuffer(def);

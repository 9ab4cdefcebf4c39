import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'tls.cert_fingerprint', aliases: ['tls_cert_fingerprint'], buffer: BUF.TLS_CERT_FINGERPRINT, proto: AppProto.TLS, dirs: TO_CLIENT,
  description: 'the SHA-1 fingerprint of the server certificate ("aa:bb:..")', doc: ['tls-keywords', 'tls-cert-fingerprint'],
};

/** tls.cert_fingerprint; sticky buffer: the SHA-1 fingerprint of the server certificate ("aa:bb:.."). */
export const tlsCertFingerprint = stickyBuffer(def);

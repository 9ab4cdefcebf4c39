import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'tls.cert_subject', aliases: ['tls_cert_subject'], buffer: BUF.TLS_CERT_SUBJECT, proto: AppProto.TLS, dirs: TO_CLIENT,
  description: 'the server certificate subject ("C=.., O=.., CN=..")', doc: ['tls-keywords', 'tls-cert-subject'],
};

/** tls.cert_subject; sticky buffer: the server certificate subject ("C=.., O=.., CN=.."). */
export const tlsCertSubject = stickyBuffer(def);

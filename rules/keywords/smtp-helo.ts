import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'smtp.helo', buffer: BUF.SMTP_HELO, proto: AppProto.SMTP, dirs: BOTH,
  description: 'the HELO/EHLO argument of the SMTP session', doc: ['smtp-keywords', 'smtp-helo'],
};

/** smtp.helo; sticky buffer (Suricata 8): the HELO/EHLO argument of the SMTP session. */
export const smtpHelo = stickyBuffer(def);

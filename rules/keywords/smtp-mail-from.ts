import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'smtp.mail_from', buffer: BUF.SMTP_MAIL_FROM, proto: AppProto.SMTP, dirs: BOTH,
  description: 'the MAIL FROM argument of an SMTP transaction (with its angle brackets)', doc: ['smtp-keywords', 'smtp-mail-from'],
};

/** smtp.mail_from; sticky buffer (Suricata 8): the MAIL FROM argument of the mail. */
export const smtpMailFrom = stickyBuffer(def);

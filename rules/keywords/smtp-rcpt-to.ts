import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'smtp.rcpt_to', buffer: BUF.SMTP_RCPT_TO, proto: AppProto.SMTP, dirs: BOTH, multi: true,
  description: 'each RCPT TO argument of an SMTP transaction (multi-buffer)', doc: ['smtp-keywords', 'smtp-rcpt-to'],
};

/** smtp.rcpt_to; multi sticky buffer (Suricata 8): each RCPT TO argument of the mail. */
export const smtpRcptTo = stickyBuffer(def);

import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const reply: BufferDef = {
  name: 'ftp.reply', buffer: BUF.FTP_REPLY, proto: AppProto.FTP, dirs: BOTH, multi: true,
  description: 'each reply line (text after the code) of an FTP transaction (multi-buffer)', doc: ['ftp-keywords', 'ftp-reply'],
};
const code: BufferDef = {
  name: 'ftp.completion_code', buffer: BUF.FTP_COMPLETION_CODE, proto: AppProto.FTP, dirs: BOTH, multi: true,
  description: 'each reply code of an FTP transaction, as text (multi-buffer)', doc: ['ftp-keywords', 'ftp-completion-code'],
};

/** ftp.reply; multi sticky buffer (Suricata 8): the reply lines of an FTP transaction. */
export const ftpReply = stickyBuffer(reply);
/** ftp.completion_code; multi sticky buffer (Suricata 8): the reply codes of an FTP transaction. */
export const ftpCompletionCode = stickyBuffer(code);

import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ftp.command', buffer: BUF.FTP_COMMAND, proto: AppProto.FTP, dirs: BOTH,
  description: 'the FTP command verb of a transaction (USER, RETR, PORT ...)', doc: ['ftp-keywords', 'ftp-command'],
};

/** ftp.command; sticky buffer (Suricata 8): the command verb of an FTP transaction. */
export const ftpCommand = stickyBuffer(def);

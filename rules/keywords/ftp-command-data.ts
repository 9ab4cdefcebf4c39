import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ftp.command_data', buffer: BUF.FTP_COMMAND_DATA, proto: AppProto.FTP, dirs: BOTH,
  description: 'the argument of the FTP command of a transaction', doc: ['ftp-keywords', 'ftp-command-data'],
};

/** ftp.command_data; sticky buffer (Suricata 8): the argument of the FTP command. */
export const ftpCommandData = stickyBuffer(def);

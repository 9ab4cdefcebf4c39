import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ssh.software', aliases: ['ssh_software'], buffer: BUF.SSH_SOFTWARE, proto: AppProto.SSH, dirs: BOTH,
  description: 'the software version of the SSH identification line', doc: ['ssh-keywords', 'ssh-software'],
};

/** ssh.software; sticky buffer: the software version of the SSH identification line. */
export const sshSoftware = stickyBuffer(def);

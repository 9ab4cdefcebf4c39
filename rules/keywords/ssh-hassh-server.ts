import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ssh.hassh.server', buffer: BUF.SSH_HASSH_SERVER, proto: AppProto.SSH, dirs: TO_CLIENT,
  description: 'the HASSHServer of the server KEXINIT', doc: ['ssh-keywords', 'ssh-hassh-server'],
};

/** ssh.hassh.server; sticky buffer: the HASSHServer of the server KEXINIT. */
export const sshHasshServer = stickyBuffer(def);

import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ssh.hassh.server.string', buffer: BUF.SSH_HASSH_SERVER_STRING, proto: AppProto.SSH, dirs: TO_CLIENT,
  description: 'the HASSHServer input string of the server KEXINIT', doc: ['ssh-keywords', 'ssh-hassh-server-string'],
};

/** ssh.hassh.server.string; sticky buffer: the HASSHServer input string of the server KEXINIT. */
export const sshHasshServerString = stickyBuffer(def);

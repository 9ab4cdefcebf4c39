import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ssh.hassh.string', buffer: BUF.SSH_HASSH_STRING, proto: AppProto.SSH, dirs: TO_SERVER,
  description: 'the HASSH input string of the client KEXINIT', doc: ['ssh-keywords', 'ssh-hassh-string'],
};

/** ssh.hassh.string; sticky buffer: the HASSH input string of the client KEXINIT. */
export const sshHasshString = stickyBuffer(def);

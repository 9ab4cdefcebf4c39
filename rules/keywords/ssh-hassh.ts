import { TO_SERVER, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ssh.hassh', buffer: BUF.SSH_HASSH, proto: AppProto.SSH, dirs: TO_SERVER,
  description: 'the HASSH of the client KEXINIT', doc: ['ssh-keywords', 'ssh-hassh'],
};

/** ssh.hassh; sticky buffer: the HASSH of the client KEXINIT. */
export const sshHassh = stickyBuffer(def);

import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'ssh.proto', aliases: ['ssh_proto'], buffer: BUF.SSH_PROTO, proto: AppProto.SSH, dirs: BOTH,
  description: 'the protocol version of the SSH identification line', doc: ['ssh-keywords', 'ssh-proto'],
};

/** ssh.proto; sticky buffer: the protocol version of the SSH identification line. */
export const sshProto = stickyBuffer(def);

/**
 * Dropping root after the capture rings are open: sockets, rings and UMEMs stay usable
 * (they are file descriptors and mappings already held), nothing new can be opened.
 * Order matters: supplementary groups, then gid, then uid (after setuid the process can no
 * longer change its groups). glibc applies set*id to every thread of the process.
 */
import { errno, getpwnam, getuid, initgroups, lastError, setgid, setuid, EPERM } from '../../native/libc.js';
import { NativeUnavailableError } from '../../native/unavailable.js';

export interface DroppedTo {
  user: string;
  uid: number;
  gid: number;
}

export function dropPrivileges(user: string): DroppedTo {
  const pw = getpwnam(user);
  if (pw === null) {
    throw new NativeUnavailableError(`--user ${user}`, `no such user in the passwd database`, 'create the user or pick another (e.g. nobody)', 'config');
  }
  const step = (ok: boolean, what: string): void => {
    if (!ok) {
      const perm = errno() === EPERM;
      throw new NativeUnavailableError(`--user ${user}`, `${what}: ${lastError()}`,
        perm ? 'start fennec as root (or with CAP_SETUID and CAP_SETGID) to switch users' : 'check the user entry', perm ? 'permission' : 'config');
    }
  };
  step(initgroups(user, pw.gid) === 0, 'initgroups');
  step(setgid(pw.gid) === 0, `setgid(${pw.gid})`);
  step(setuid(pw.uid) === 0, `setuid(${pw.uid})`);
  // Check, do not trust: root must be gone for good.
  if (pw.uid !== 0 && (getuid() !== pw.uid || setuid(0) === 0)) {
    throw new NativeUnavailableError(`--user ${user}`, 'still able to regain uid 0 after setuid', 'report this as a bug', 'permission');
  }
  return { user, uid: pw.uid, gid: pw.gid };
}

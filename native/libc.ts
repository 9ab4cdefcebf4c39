/**
 * koffi bindings to the libc calls the live capture backends need. Only native/ imports
 * koffi; sensor/capture/* calls these wrappers.
 *
 * Calling convention: every wrapper returns the raw libc result (-1 on failure) and the
 * caller reads `errno()` right after; nothing here throws on the packet path. Pointer
 * arguments take a Uint8Array/Uint32Array/Buffer (koffi passes the backing memory), so a
 * caller can keep one preallocated buffer per socket and make zero allocations per call.
 */
import koffi from 'koffi';
import { loadLibrary } from './unavailable.js';

const libc = loadLibrary('libc.so.6', 'this is not a glibc Linux system');

// --- sockets -------------------------------------------------------------------------------
export const socket = libc.func('int socket(int domain, int type, int protocol)') as (d: number, t: number, p: number) => number;
export const bind = libc.func('int bind(int fd, void *addr, uint32_t len)') as (fd: number, addr: Uint8Array, len: number) => number;
export const setsockopt = libc.func('int setsockopt(int fd, int level, int name, void *val, uint32_t len)') as
  (fd: number, level: number, name: number, val: Uint8Array | Uint32Array, len: number) => number;
export const getsockopt = libc.func('int getsockopt(int fd, int level, int name, void *val, void *len)') as
  (fd: number, level: number, name: number, val: Uint8Array | Uint32Array, len: Uint32Array) => number;
export const close = libc.func('int close(int fd)') as (fd: number) => number;
export const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)') as
  (fds: Int32Array | Uint8Array, nfds: number, timeoutMs: number) => number;
export const if_nametoindex = libc.func('unsigned int if_nametoindex(const char *name)') as (name: string) => number;
const ioctlVariadic = libc.func('int ioctl(int fd, unsigned long req, ...)');
/** ioctl(fd, req, argp) with argp a caller-owned buffer. */
export function ioctl(fd: number, req: number, arg: Uint8Array): number {
  return ioctlVariadic(fd, req, 'void *', arg) as number;
}
export const open = libc.func('int open(const char *path, int flags, int mode)') as (path: string, flags: number, mode: number) => number;

// --- memory --------------------------------------------------------------------------------
/** An opaque pointer returned by mmap; pass it back to munmap / view. */
export type Pointer = object;
const mmapRaw = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)');
const munmapRaw = libc.func('int munmap(void *addr, size_t len)');
export const PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_LOCKED = 0x2000, MAP_POPULATE = 0x8000;
const MAP_FAILED = 0xffffffffffffffffn;
/** mmap; null on failure (errno() says why). */
export function mmap(len: number, prot: number, flags: number, fd: number, off: number): Pointer | null {
  const p = mmapRaw(null, len, prot, flags, fd, off);
  if (p === null || koffi.address(p) === MAP_FAILED) return null;
  return p as Pointer;
}
export function munmap(p: Pointer, len: number): number {
  return munmapRaw(p, len) as number;
}
// Address-taking variants (numeric addresses, so a caller can map at an offset inside a
// region it reserved: capture/file-map.ts maps file windows into fixed slots).
const mmapAtRaw = libc.func('mmap', 'void *', ['uintptr_t', 'size_t', 'int', 'int', 'int', 'int64_t']);
const madviseAtRaw = libc.func('madvise', 'int', ['uintptr_t', 'size_t', 'int']);
export const MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
export const MADV_NORMAL = 0, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4;
/** mmap at `addr` (0n: anywhere); the address mapped, or -1n on failure (errno() says why). */
export function mmapAt(addr: bigint, len: number, prot: number, flags: number, fd: number, off: number): bigint {
  const p = mmapAtRaw(addr, len, prot, flags, fd, off);
  if (p === null) return -1n;
  const a = koffi.address(p);
  return a === MAP_FAILED ? -1n : a;
}
export function madviseAt(addr: bigint, len: number, advice: number): number {
  return madviseAtRaw(addr, len, advice) as number;
}
// memmove(dst, src, 0) copies nothing and returns dst: the way to turn an address into a
// koffi pointer (koffi.as() does not accept numbers for 'void *').
const ptrOfRaw = libc.func('memmove', 'void *', ['uintptr_t', 'uintptr_t', 'size_t']);
/**
 * A zero-copy ArrayBuffer over memory another thread of this process mapped (koffi views
 * cannot be posted between threads, addresses can). The caller keeps the mapping alive.
 */
export function viewOfAddress(addr: bigint, len: number): ArrayBuffer {
  return koffi.view(ptrOfRaw(addr, addr, 0) as Pointer, len);
}

/** Zero-copy ArrayBuffer over native memory (koffi external buffer; never copied). */
export function view(p: Pointer, len: number): ArrayBuffer {
  return koffi.view(p, len);
}
export function address(p: Pointer): bigint {
  return koffi.address(p);
}

// --- errno ---------------------------------------------------------------------------------
const strerrorRaw = libc.func('const char *strerror(int errnum)') as (e: number) => string;
export function errno(): number {
  return koffi.errno();
}
export function strerror(e: number): string {
  return strerrorRaw(e);
}
/** "EPERM (Operation not permitted)" for the last failed call. */
export function lastError(): string {
  const e = koffi.errno();
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === e)?.[0] ?? `errno ${e}`;
  return `${name} (${strerrorRaw(e)})`;
}
export const EPERM = 1, ENOENT = 2, EINTR = 4, EAGAIN = 11, EACCES = 13, ENODEV = 19, EINVAL = 22, ENXIO = 6, EOPNOTSUPP = 95;

// --- users ---------------------------------------------------------------------------------
const passwd = koffi.struct('fennec_passwd', {
  pw_name: 'char *', pw_passwd: 'char *', pw_uid: 'uint32_t', pw_gid: 'uint32_t',
  pw_gecos: 'char *', pw_dir: 'char *', pw_shell: 'char *',
});
const getpwnamRaw = libc.func('getpwnam', koffi.pointer(passwd), ['const char *']);
export function getpwnam(name: string): { uid: number; gid: number; dir: string } | null {
  const p = getpwnamRaw(name);
  if (p === null) return null;
  const r = koffi.decode(p, passwd) as { pw_uid: number; pw_gid: number; pw_dir: string };
  return { uid: r.pw_uid, gid: r.pw_gid, dir: r.pw_dir };
}
export const initgroups = libc.func('int initgroups(const char *user, uint32_t gid)') as (user: string, gid: number) => number;
export const setgroups = libc.func('int setgroups(size_t n, const uint32_t *list)') as (n: number, list: Uint32Array | null) => number;
export const setgid = libc.func('int setgid(uint32_t gid)') as (gid: number) => number;
export const setuid = libc.func('int setuid(uint32_t uid)') as (uid: number) => number;
export const getuid = libc.func('uint32_t getuid()') as () => number;
export const geteuid = libc.func('uint32_t geteuid()') as () => number;
export const getgid = libc.func('uint32_t getgid()') as () => number;

// --- namespaces ----------------------------------------------------------------------------
export const setns = libc.func('int setns(int fd, int nstype)') as (fd: number, nstype: number) => number;
export const CLONE_NEWNET = 0x40000000, O_RDONLY = 0, O_CLOEXEC = 0o2000000;

/**
 * Run `fn` with the calling thread inside the network namespace at `nsPath`
 * (e.g. /var/run/netns/NAME), then switch back. Sockets opened inside stay in that
 * namespace for their lifetime. setns(CLONE_NEWNET) is per thread, so other threads of
 * the process (libuv, V8) keep their namespace.
 */
export function withNetns<T>(nsPath: string, fn: () => T): T {
  const self = open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0);
  if (self < 0) throw new Error(`open /proc/thread-self/ns/net: ${lastError()}`);
  const target = open(nsPath, O_RDONLY | O_CLOEXEC, 0);
  if (target < 0) {
    close(self);
    throw new Error(`open ${nsPath}: ${lastError()}`);
  }
  try {
    if (setns(target, CLONE_NEWNET) < 0) throw new Error(`setns ${nsPath}: ${lastError()}`);
    try {
      return fn();
    } finally {
      if (setns(self, CLONE_NEWNET) < 0) throw new Error(`setns back: ${lastError()}`);
    }
  } finally {
    close(target);
    close(self);
  }
}

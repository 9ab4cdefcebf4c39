/**
 * Facade over native/build/libfennec_xdp.so (native/xdp/fennec_xdp.c): AF_XDP sockets via
 * libxdp, one FFI call per received batch and none per packet.
 */
import koffi from 'koffi';
import { loadLibrary, loadShim, NativeUnavailableError } from './unavailable.js';

export interface XdpSocket {
  readonly umem: Uint8Array;
  rx(off: Uint32Array, len: Uint32Array, ts: Float64Array, max: number, timeoutMs: number): number;
  done(): void;
  stats(out: Float64Array): void;
  close(): void;
}

let fns: Record<string, (...a: never[]) => unknown> | null = null;

function lib(): Record<string, (...a: never[]) => unknown> {
  if (fns) return fns;
  loadLibrary('libxdp.so.1', 'install the Debian package libxdp1 (apt-get install libxdp1 libbpf1)');
  const l = loadShim('libfennec_xdp.so', 'libxdp-dev, libbpf-dev, pkg-config and a C compiler');
  fns = {
    lastError: l.func('const char *fx_last_error()'),
    open: l.func('void *fx_open(const char *ifname, uint32_t queue, uint32_t nframes, uint32_t frame_size, int mode, int zerocopy)'),
    umem: l.func('void *fx_umem(void *s, _Out_ uint64_t *len)'),
    rx: l.func('int fx_rx(void *s, void *off, void *len, void *ts, uint32_t max, int timeout)'),
    done: l.func('void fx_done(void *s)'),
    stats: l.func('int fx_stats(void *s, void *out)'),
    close: l.func('void fx_close(void *s)'),
  } as never;
  return fns!;
}

export type XdpMode = 'auto' | 'skb' | 'native';

export function openXdpSocket(iface: string, queue: number, frames: number, frameSize: number, mode: XdpMode, zerocopy: 'auto' | 'require' | 'copy'): XdpSocket {
  const f = lib() as Record<string, (...a: unknown[]) => unknown>;
  const s = f.open(iface, queue, frames, frameSize, mode === 'skb' ? 1 : mode === 'native' ? 2 : 0,
    zerocopy === 'require' ? 1 : zerocopy === 'copy' ? 2 : 0);
  if (s === null) {
    const why = f.lastError() as string;
    const perm = /EPERM|Operation not permitted/.test(why);
    throw new NativeUnavailableError(`AF_XDP on ${iface} queue ${queue}`, why,
      perm ? 'run as root or grant CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and CAP_SYS_ADMIN'
        : 'needs a kernel with CONFIG_XDP_SOCKETS, an existing queue, and for --xdp-mode native a driver with XDP support',
      perm ? 'permission' : 'kernel');
  }
  const len = [0n];
  const base = f.umem(s, len);
  const umem = new Uint8Array(koffi.view(base, Number(len[0])));
  let open = true;
  return {
    umem,
    rx: f.rx.bind(null, s) as never,
    done: () => void f.done(s),
    stats: (out) => void f.stats(s, out),
    close: () => {
      if (open) f.close(s);
      open = false;
    },
  };
}

/**
 * Facade over native/build/libfennec_dpdk.so (native/dpdk/fennec_dpdk.c). One FFI call per
 * burst fills caller-owned typed arrays; frame bytes are read through one view over the
 * port's mbuf pool made once at open.
 */
import koffi from 'koffi';
import { loadShim, NativeUnavailableError } from './unavailable.js';

export interface DpdkLib {
  init(args: string[]): void;
  portByName(name: string): number;
  portCount(): number;
  open(port: number, queues: number, ring: number, mbufs: number, promisc: boolean): void;
  /** One view over the port's mbuf pool (frames are offsets into it). */
  region(port: number): Uint8Array;
  burst(port: number, q: number, off: Uint32Array, cap: Uint32Array, wire: Uint32Array, ts: Float64Array, vlan: Int32Array, max: number): number;
  release(port: number, q: number): void;
  queueStats(port: number, q: number, out: Float64Array): void;
  close(port: number): void;
}

let lib: DpdkLib | null = null;

export function dpdk(): DpdkLib {
  if (lib) return lib;
  const l = loadShim('libfennec_dpdk.so', 'libdpdk-dev, pkg-config and a C compiler (apt-get install libdpdk-dev dpdk)');
  const lastError = l.func('const char *fd_last_error()') as () => string;
  const init = l.func('int fd_init(int argc, const char **argv)');
  const portByName = l.func('int fd_port_by_name(const char *name)');
  const portCount = l.func('int fd_port_count()');
  const open = l.func('int fd_port_open(uint16_t port, uint16_t nq, uint16_t ring, uint32_t nmbufs, int promisc)');
  const region = l.func('void *fd_region(uint16_t port, _Out_ uint64_t *len)');
  const burst = l.func('int fd_burst(uint16_t port, uint16_t q, void *off, void *cap, void *wire, void *ts, void *vlan, uint16_t max)');
  const release = l.func('void fd_release(uint16_t port, uint16_t q)');
  const qstats = l.func('int fd_queue_stats(uint16_t port, uint16_t q, void *out)');
  const close = l.func('int fd_port_close(uint16_t port)');
  const unavailable = (what: string): never => {
    throw new NativeUnavailableError(`DPDK ${what}`, lastError(),
      'check --dpdk-args (e.g. --no-huge --no-pci --vdev=net_pcap0,rx_pcap=FILE), hugepages and that the PMD for the port is installed (dpdk package)', 'kernel');
  };
  lib = {
    init(args) {
      if ((init(args.length, args) as number) !== 0) unavailable('EAL init');
    },
    portByName(name) {
      const p = portByName(name) as number;
      if (p < 0) unavailable(`port ${name}`);
      return p;
    },
    portCount: () => portCount() as number,
    open(port, queues, ring, mbufs, promisc) {
      if ((open(port, queues, ring, mbufs, promisc ? 1 : 0) as number) !== 0) unavailable(`port ${port}`);
    },
    region(port) {
      const len = [0n];
      const base = region(port, len);
      if (base === null) unavailable(`port ${port} region`);
      return new Uint8Array(koffi.view(base, Number(len[0])));
    },
    burst: burst as never,
    release: release as never,
    queueStats: (port, q, out) => void qstats(port, q, out),
    close: (port) => void close(port),
  };
  return lib;
}

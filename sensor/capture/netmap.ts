/**
 * netmap capture (`--capture netmap`): one hardware RX ring per worker, registered with the
 * legacy NIOCREGIF request (struct nmreq, NR_REG_ONE_NIC), the shared region mmapped once,
 * rings read in place by NetmapRingReader (netmap-ring.ts), poll(2) as the RX sync.
 *
 * NOT RUN on the build host: the netmap kernel module is not available there, so only the
 * ring walk (netmap-ring.ts, test/live/netmap-ring.test.ts) and the "not available" path
 * (no /dev/netmap) are tested. The request layout follows net/netmap.h API 14.
 */
import { close, ioctl, lastError, mmap, open, poll, view, MAP_SHARED, PROT_READ, PROT_WRITE, type Pointer, munmap } from '../../native/libc.js';
import { NativeUnavailableError } from '../../native/unavailable.js';
import { NetmapRingReader, rxRingCount, rxRingOffset } from './netmap-ring.js';
import { LinkType, MAX_BATCH, newFrameBatch, type CaptureSource, type CaptureStats, type FrameBatch } from './source.js';
import { existsSync } from 'node:fs';

export interface NetmapOptions {
  iface: string;
  workers: number;
}

const O_RDWR = 2;
const NMREQ_SIZE = 64;
// _IOWR('i', 146, struct nmreq)
const NIOCREGIF = ((3 << 30) | (NMREQ_SIZE << 16) | (0x69 << 8) | 146) >>> 0;
const NETMAP_API = 14;
const NR_REG_ONE_NIC = 4;
const NETMAP_NO_TX_POLL = 0x1000;
const POLLIN = 1;

export class NetmapSource implements CaptureSource {
  readonly name: string;
  error: string | null = null;
  done = false;
  private readonly batch = newFrameBatch(MAX_BATCH);
  private readonly pfd = new Int32Array(2);
  private pending = false;
  private packets = 0;
  private bytes = 0;

  constructor(private fd: number, private readonly mem: Pointer, private readonly memLen: number, data: Uint8Array,
    private readonly reader: NetmapRingReader, iface: string, private readonly ring: number) {
    this.name = `netmap:${iface}#${ring}`;
    this.batch.data = data;
    this.batch.linktype.fill(LinkType.ETHERNET);
    this.batch.iface.fill(ring);
    this.pfd[0] = fd;
    this.pfd[1] = POLLIN;
  }

  next(timeoutMs: number): FrameBatch | null {
    if (this.done) return null;
    if (this.pending) this.release(this.batch);
    if (this.reader.pending() === 0) {
      poll(this.pfd, 1, timeoutMs); // poll(2) on a netmap fd runs NIOCRXSYNC
      if (this.reader.pending() === 0) return null;
    }
    const b = this.batch;
    const n = this.reader.fill(b, MAX_BATCH);
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += b.wirelen[i];
    this.packets += n;
    this.bytes += bytes;
    this.pending = true;
    return b;
  }

  release(_b: FrameBatch): void {
    if (!this.pending) return;
    this.pending = false;
    this.reader.release();
  }

  stats(): CaptureStats {
    return { packets: this.packets, bytes: this.bytes, drops: 0, ring_pending: this.done ? 0 : this.reader.pending(), queue: this.ring };
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    munmap(this.mem, this.memLen);
    close(this.fd);
    this.fd = -1;
  }
}

export function openNetmap(opts: NetmapOptions): NetmapSource[] {
  if (!existsSync('/dev/netmap')) {
    throw new NativeUnavailableError('netmap', '/dev/netmap does not exist (the netmap kernel module is not loaded)',
      'build and load netmap (https://github.com/luigirizzo/netmap: ./configure && make && insmod netmap.ko), or use --capture afpacket', 'kernel');
  }
  const out: NetmapSource[] = [];
  try {
    for (let r = 0; r < Math.max(1, opts.workers | 0); r++) {
      const fd = open('/dev/netmap', O_RDWR, 0);
      if (fd < 0) throw new NativeUnavailableError('netmap', `open /dev/netmap: ${lastError()}`, 'run as root', 'permission');
      // struct nmreq: nr_name[16]@0, nr_version@16, nr_offset@20, nr_memsize@24, nr_tx_slots@28,
      // nr_rx_slots@32, nr_tx_rings@36, nr_rx_rings@40, nr_ringid(u16)@44, nr_cmd@46,
      // nr_arg1@48, nr_arg2@50, nr_arg3(u32)@52, nr_flags@56, spare2@60 (64 bytes)
      const req = new Uint8Array(NMREQ_SIZE);
      const dv = new DataView(req.buffer);
      req.set(new TextEncoder().encode(opts.iface).subarray(0, 15), 0);
      dv.setUint32(16, NETMAP_API, true); // nr_version
      dv.setUint16(44, r | NETMAP_NO_TX_POLL, true); // nr_ringid
      dv.setUint32(56, NR_REG_ONE_NIC, true); // nr_flags
      if (ioctl(fd, NIOCREGIF, req) < 0) {
        const why = lastError();
        close(fd);
        throw new NativeUnavailableError(`netmap on ${opts.iface} ring ${r}`, `NIOCREGIF: ${why}`, 'check the interface exists and its driver is netmap-enabled', 'interface');
      }
      const offset = dv.getUint32(20, true), memsize = dv.getUint32(24, true);
      const mem = mmap(memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (mem === null) {
        close(fd);
        throw new NativeUnavailableError('netmap', `mmap ${memsize}: ${lastError()}`, 'check memory limits', 'kernel');
      }
      const ab = view(mem, memsize);
      const mdv = new DataView(ab);
      if (r >= rxRingCount(mdv, offset)) {
        munmap(mem, memsize);
        close(fd);
        throw new NativeUnavailableError(`netmap on ${opts.iface}`, `only ${rxRingCount(mdv, offset)} RX rings for ${opts.workers} workers`, 'use fewer workers', 'config');
      }
      const reader = new NetmapRingReader(mdv, rxRingOffset(mdv, offset, r));
      out.push(new NetmapSource(fd, mem, memsize, new Uint8Array(ab), reader, opts.iface, r));
    }
  } catch (e) {
    for (const s of out) s.close();
    throw e;
  }
  return out;
}

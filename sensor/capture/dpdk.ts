/**
 * DPDK capture: one RX queue per worker on one port, frames read in place from the port's
 * mbuf pool. Each next() is one FFI call (fd_burst) that fills this source's FrameBatch
 * arrays directly; batch.data is the one view over the pool made at open, so a frame is an
 * offset into it and no per-packet view or copy is made. release() frees the burst's
 * mbufs with one rte_pktmbuf_free_bulk.
 *
 * DPDK is poll mode: with nothing received, next() polls again with short sleeps until
 * timeoutMs passes (a PMD offers no file descriptor to sleep on).
 */
import { dpdk } from '../../native/dpdk.js';
import { NativeUnavailableError } from '../../native/unavailable.js';
import { LinkType, MAX_BATCH, newFrameBatch, type CaptureSource, type CaptureStats, type FrameBatch } from './source.js';

export interface DpdkOptions {
  /** EAL arguments, e.g. ['--no-huge', '--no-pci', '--vdev=net_pcap0,rx_pcap=/x.pcap']. */
  args: string[];
  /** Port name ("net_pcap0", a PCI address) or id; default port 0. */
  port?: string | number;
  workers: number;
  /** RX descriptors per queue (default 1024). */
  ring?: number;
  /** mbufs in the pool (default 8191 + 2048 per queue). */
  mbufs?: number;
  promisc?: boolean;
}

/** Split a --dpdk-args string on blanks, honouring single and double quotes. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const idle = new Int32Array(new SharedArrayBuffer(4));

export class DpdkSource implements CaptureSource {
  readonly name: string;
  error: string | null = null;
  done = false;
  private readonly batch: FrameBatch;
  private readonly st = new Float64Array(8);
  private pending = false;

  constructor(private readonly port: number, private readonly queue: number, data: Uint8Array, portName: string) {
    this.name = `dpdk:${portName}#${queue}`;
    this.batch = newFrameBatch(MAX_BATCH);
    this.batch.data = data;
    this.batch.linktype.fill(LinkType.ETHERNET);
    this.batch.iface.fill(queue);
  }

  next(timeoutMs: number): FrameBatch | null {
    if (this.done) return null;
    const b = this.batch;
    const lib = dpdk();
    // fd_burst frees the previous burst itself, so an unreleased batch never leaks mbufs.
    let n = lib.burst(this.port, this.queue, b.offset, b.caplen, b.wirelen, b.tsUs, b.vlan, MAX_BATCH);
    if (n === 0 && timeoutMs > 0) {
      const until = performance.now() + timeoutMs;
      do {
        Atomics.wait(idle, 0, 0, 0.05); // 50 µs between empty polls: an idle worker stays off the CPU
        n = lib.burst(this.port, this.queue, b.offset, b.caplen, b.wirelen, b.tsUs, b.vlan, MAX_BATCH);
      } while (n === 0 && performance.now() < until);
    }
    b.count = n;
    if (n === 0) return null;
    this.pending = true;
    return b;
  }

  release(_batch: FrameBatch): void {
    if (!this.pending) return;
    this.pending = false;
    this.batch.count = 0;
    dpdk().release(this.port, this.queue);
  }

  stats(): CaptureStats {
    if (!this.done) dpdk().queueStats(this.port, this.queue, this.st);
    const s = this.st;
    return {
      packets: s[0], bytes: s[1], drops: s[4] + s[6], multi_segment: s[2], port_packets: s[3], port_missed: s[4],
      port_errors: s[5], port_nombuf: s[6], pool_free: s[7], queue: this.queue,
    };
  }

  close(): void {
    if (this.done) return;
    this.release(this.batch);
    dpdk().queueStats(this.port, this.queue, this.st);
    this.done = true;
    closeQueue(this.port);
  }
}

const openQueues = new Map<number, number>();
function closeQueue(port: number): void {
  const left = (openQueues.get(port) ?? 1) - 1;
  openQueues.set(port, left);
  if (left === 0) dpdk().close(port);
}

/** EAL init (once per process), port setup with `workers` RSS queues, one source per queue. */
export function openDpdk(opts: DpdkOptions): DpdkSource[] {
  const lib = dpdk();
  lib.init(['fennec', ...opts.args]);
  const count = lib.portCount();
  if (count === 0) {
    throw new NativeUnavailableError('DPDK', 'EAL found no ports', 'bind a NIC to vfio-pci or pass a --vdev (e.g. --vdev=net_af_packet0,iface=eth0)', 'interface');
  }
  const port = typeof opts.port === 'string' ? lib.portByName(opts.port) : opts.port ?? 0;
  const workers = Math.max(1, opts.workers | 0);
  lib.open(port, workers, opts.ring ?? 1024, opts.mbufs ?? 8191 + 2048 * workers, opts.promisc ?? true);
  const region = lib.region(port);
  openQueues.set(port, workers);
  const out: DpdkSource[] = [];
  for (let q = 0; q < workers; q++) out.push(new DpdkSource(port, q, region, String(opts.port ?? port)));
  return out;
}

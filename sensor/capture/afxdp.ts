/**
 * AF_XDP capture (`--capture afxdp`): one XDP socket per worker, each bound to one queue of
 * the interface, each with its own UMEM. batch.data is the UMEM view (one koffi.view at
 * open) and frames are offsets into it. One FFI call per batch receives (fx_rx), one
 * returns the frames to the fill ring (fx_done, called on release or by the next receive).
 * Generic (SKB) mode works on any interface (veth here); native/zero-copy needs driver
 * support. AF_XDP gives no timestamp: frames get the receive call's wall clock, spread to
 * one microsecond apart in arrival order (see next()).
 */
import { openXdpSocket, type XdpMode, type XdpSocket } from '../../native/afxdp.js';
import { requireInterface } from './afpacket.js';
import { LinkType, MAX_BATCH, newFrameBatch, type CaptureSource, type CaptureStats, type FrameBatch } from './source.js';

export interface AfXdpOptions {
  iface: string;
  workers: number;
  /** First queue id (worker w binds queue firstQueue + w). Default 0. */
  firstQueue?: number;
  /** UMEM frames per socket (power of two; also the fill and RX ring size). Default 4096. */
  frames?: number;
  /** UMEM frame size: 2048 or 4096. Default 2048 (frames larger than 2048 - headroom are dropped by the kernel). */
  frameSize?: number;
  mode?: XdpMode;
  zerocopy?: 'auto' | 'require' | 'copy';
  /** Open only worker `queue`'s socket (for a worker thread opening its own). */
  queue?: number;
}

export class AfXdpSource implements CaptureSource {
  readonly name: string;
  error: string | null = null;
  done = false;
  private readonly batch: FrameBatch;
  private readonly st = new Float64Array(8);
  private readonly ts = new Float64Array(1);
  private pending = false;
  /** Timestamp given to the previous frame (µs). */
  private lastUs = 0;

  constructor(private readonly sock: XdpSocket, iface: string, private readonly queue: number) {
    this.name = `afxdp:${iface}#${queue}`;
    this.batch = newFrameBatch(MAX_BATCH);
    this.batch.data = sock.umem;
    this.batch.linktype.fill(LinkType.ETHERNET);
    this.batch.iface.fill(queue);
  }

  next(timeoutMs: number): FrameBatch | null {
    if (this.done) return null;
    const b = this.batch;
    const n = this.sock.rx(b.offset, b.caplen, this.ts, MAX_BATCH, timeoutMs);
    b.count = n;
    this.pending = n > 0;
    if (n === 0) return null;
    b.wirelen.set(b.caplen.subarray(0, n));
    // One clock reading per batch would give every frame of the batch the same time, and a
    // flow's id is a hash of its key and start time: a TCP port reused within one batch (a
    // SYN, RST, SYN again) then got the same flow_id as the flow before it, and the store's
    // FINAL kept one of the two (seen: 838 of 839 flows in test/live/run.test.ts). Frames
    // keep their arrival order and get strictly increasing microseconds instead: batch clock,
    // or previous frame + 1 µs when frames come faster than that (a 1024-frame burst spreads
    // over 1 ms at most).
    const tsUs = b.tsUs;
    let t = this.lastUs;
    const now = this.ts[0];
    for (let i = 0; i < n; i++) {
      t = now > t ? now : t + 1;
      tsUs[i] = t;
    }
    this.lastUs = t;
    return b;
  }

  release(_batch: FrameBatch): void {
    if (!this.pending) return;
    this.pending = false;
    this.batch.count = 0;
    this.sock.done();
  }

  stats(): CaptureStats {
    if (!this.done) this.sock.stats(this.st);
    const s = this.st;
    return {
      packets: s[0], bytes: s[1], drops: s[2] + s[4], rx_dropped: s[2], rx_invalid_descs: s[3], rx_ring_full: s[4],
      fill_ring_empty: s[5], fill_level: s[6], queue: this.queue,
    };
  }

  close(): void {
    if (this.done) return;
    this.release(this.batch);
    this.sock.stats(this.st);
    this.done = true;
    this.sock.close();
  }
}

export function openAfXdp(opts: AfXdpOptions): AfXdpSource[] {
  requireInterface(opts.iface, 'AF_XDP');
  const out: AfXdpSource[] = [];
  try {
    const all = Array.from({ length: Math.max(1, opts.workers | 0) }, (_, w) => w);
    for (const w of opts.queue !== undefined ? [opts.queue] : all) {
      const q = (opts.firstQueue ?? 0) + w;
      const sock = openXdpSocket(opts.iface, q, opts.frames ?? 4096, opts.frameSize ?? 2048, opts.mode ?? 'skb', opts.zerocopy ?? 'auto');
      out.push(new AfXdpSource(sock, opts.iface, q));
    }
  } catch (e) {
    for (const s of out) s.close();
    throw e;
  }
  return out;
}

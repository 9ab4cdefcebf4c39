/**
 * netmap's shared memory layout (net/netmap.h, API 14) and the RX ring walk, kept free of
 * system calls so the same code runs on a real netmap mapping and on a synthetic layout in
 * tests (the netmap module cannot be loaded on the build host).
 *
 * struct netmap_if  : ni_name[16], ni_version@16, ni_flags@20, ni_tx_rings@24,
 *                     ni_rx_rings@28, ni_bufs_head@32, ni_host_tx_rings@36,
 *                     ni_host_rx_rings@40, spare[3], ring_ofs[]@56 (ssize_t, from nifp)
 * struct netmap_ring: buf_ofs@0 (int64, from the ring), num_slots@8, nr_buf_size@12,
 *                     ringid@16, dir@18, head@20, cur@24, tail@28, flags@32, ts@40
 *                     (timeval), sem[128] aligned to 128 -> slots start @256
 * struct netmap_slot: buf_idx@0 u32, len@4 u16, flags@6 u16, ptr@8 u64 (16 bytes)
 * Frame of slot i   : ring + buf_ofs + buf_idx * nr_buf_size
 * User owns slots [head, tail); giving them back = head = cur = tail.
 */
import type { FrameBatch } from './source.js';

export const NIF = { NAME: 0, VERSION: 16, FLAGS: 20, TX_RINGS: 24, RX_RINGS: 28, BUFS_HEAD: 32, HOST_TX_RINGS: 36, HOST_RX_RINGS: 40, RING_OFS: 56 } as const;
export const NR = { BUF_OFS: 0, NUM_SLOTS: 8, BUF_SIZE: 12, RINGID: 16, DIR: 18, HEAD: 20, CUR: 24, TAIL: 28, FLAGS: 32, TS_SEC: 40, TS_USEC: 48, SLOTS: 256 } as const;
export const SLOT = { BUF_IDX: 0, LEN: 4, FLAGS: 6, PTR: 8, SIZE: 16 } as const;

/** Byte offset (in the mapping) of hardware RX ring `i`: NETMAP_RXRING(nifp, i). */
export function rxRingOffset(dv: DataView, nifpOff: number, i: number): number {
  const tx = dv.getUint32(nifpOff + NIF.TX_RINGS, true);
  const hostTx = dv.getUint32(nifpOff + NIF.HOST_TX_RINGS, true);
  return nifpOff + Number(dv.getBigInt64(nifpOff + NIF.RING_OFS + 8 * (i + tx + hostTx), true));
}

export function rxRingCount(dv: DataView, nifpOff: number): number {
  return dv.getUint32(nifpOff + NIF.RX_RINGS, true);
}

/**
 * Reads one RX ring in place. fill() puts up to `max` frames of [head, tail) into the batch
 * (offsets into the whole mapping) and remembers where it stopped; release() gives those
 * slots back by moving head and cur. No allocation per call.
 */
export class NetmapRingReader {
  private readonly u32: Uint32Array;
  private readonly u16: Uint16Array;
  private readonly ring: number;
  private readonly numSlots: number;
  private readonly bufBase: number;
  private readonly bufSize: number;
  private stop = -1;

  constructor(private readonly dv: DataView, ringOff: number) {
    this.ring = ringOff;
    this.u32 = new Uint32Array(dv.buffer, dv.byteOffset, dv.byteLength >>> 2);
    this.u16 = new Uint16Array(dv.buffer, dv.byteOffset, dv.byteLength >>> 1);
    this.numSlots = dv.getUint32(ringOff + NR.NUM_SLOTS, true);
    this.bufSize = dv.getUint32(ringOff + NR.BUF_SIZE, true);
    this.bufBase = ringOff + Number(dv.getBigInt64(ringOff + NR.BUF_OFS, true));
  }

  /** Slots the kernel has filled and we have not returned. */
  pending(): number {
    const head = this.u32[(this.ring + NR.HEAD) >> 2];
    const tail = this.u32[(this.ring + NR.TAIL) >> 2];
    return tail >= head ? tail - head : tail + this.numSlots - head;
  }

  fill(b: FrameBatch, max: number): number {
    const u32 = this.u32, u16 = this.u16, r = this.ring, ns = this.numSlots;
    let i = u32[(r + NR.HEAD) >> 2];
    const tail = u32[(r + NR.TAIL) >> 2];
    const ts = this.dv.getUint32(r + NR.TS_SEC, true) * 1e6 + this.dv.getUint32(r + NR.TS_USEC, true);
    let n = 0;
    while (i !== tail && n < max) {
      const s = r + NR.SLOTS + i * SLOT.SIZE;
      const len = u16[(s + SLOT.LEN) >> 1];
      b.offset[n] = this.bufBase + u32[(s + SLOT.BUF_IDX) >> 2] * this.bufSize;
      b.caplen[n] = len;
      b.wirelen[n] = len;
      b.tsUs[n] = ts;
      b.vlan[n] = -1;
      n++;
      i = i + 1 === ns ? 0 : i + 1;
    }
    b.count = n;
    this.stop = i;
    return n;
  }

  release(): void {
    if (this.stop < 0) return;
    this.u32[(this.ring + NR.HEAD) >> 2] = this.stop;
    this.u32[(this.ring + NR.CUR) >> 2] = this.stop;
    this.stop = -1;
  }
}

/**
 * netmap: the ring walk on a synthetic shared-memory layout built to net/netmap.h (API 14),
 * including wrap-around and partial batches; and the "not available" path on this host
 * (no netmap module). The real NIOCREGIF path is not run here (see sensor/capture/NOTES.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { NetmapRingReader, NIF, NR, SLOT, rxRingCount, rxRingOffset } from '../../sensor/capture/netmap-ring.js';
import { newFrameBatch } from '../../sensor/capture/source.js';
import { openLiveSources } from '../../sensor/capture/live.js';
import { NativeUnavailableError } from '../../native/unavailable.js';

const SLOTS = 8, BUF = 2048;

/** nifp at 0 (1 tx ring, 1 host tx ring, 2 rx rings), rings at 4096/8192..., buffers after. */
function layout(): { mem: Uint8Array; dv: DataView; ring0: number; bufs: number } {
  const mem = new Uint8Array(65536 + 16 * BUF);
  const dv = new DataView(mem.buffer);
  dv.setUint32(NIF.TX_RINGS, 1, true);
  dv.setUint32(NIF.RX_RINGS, 2, true);
  dv.setUint32(NIF.HOST_TX_RINGS, 1, true);
  dv.setUint32(NIF.HOST_RX_RINGS, 1, true);
  const rings = [4096, 8192, 12288, 16384]; // tx0, host tx, rx0, rx1 (ring_ofs order)
  rings.forEach((o, i) => dv.setBigInt64(NIF.RING_OFS + 8 * i, BigInt(o), true));
  const bufs = 32768;
  for (const r of [12288, 16384]) {
    dv.setBigInt64(r + NR.BUF_OFS, BigInt(bufs - r), true);
    dv.setUint32(r + NR.NUM_SLOTS, SLOTS, true);
    dv.setUint32(r + NR.BUF_SIZE, BUF, true);
    dv.setUint32(r + NR.TS_SEC, 1700000000, true);
    dv.setUint32(r + NR.TS_USEC, 123456, true);
  }
  return { mem, dv, ring0: 12288, bufs };
}

/** Kernel side: put a frame of `len` bytes (filled with `tag`) in slot i using buffer bi. */
function kernelFill(l: ReturnType<typeof layout>, slot: number, bi: number, len: number, tag: number): void {
  const s = l.ring0 + NR.SLOTS + slot * SLOT.SIZE;
  l.dv.setUint32(s + SLOT.BUF_IDX, bi, true);
  l.dv.setUint16(s + SLOT.LEN, len, true);
  l.mem.fill(tag, l.bufs + bi * BUF, l.bufs + bi * BUF + len);
}

test('netmap layout: NETMAP_RXRING skips tx and host tx rings', () => {
  const l = layout();
  assert.equal(rxRingCount(l.dv, 0), 2);
  assert.equal(rxRingOffset(l.dv, 0, 0), 12288);
  assert.equal(rxRingOffset(l.dv, 0, 1), 16384);
});

test('netmap ring walk: frames in [head, tail) read in place, wrap-around, release moves head and cur', () => {
  const l = layout();
  const r = new NetmapRingReader(l.dv, l.ring0);
  const b = newFrameBatch(4);
  b.data = l.mem;
  // kernel filled slots 5,6,7,0,1 (wraps), tail = 2
  l.dv.setUint32(l.ring0 + NR.HEAD, 5, true);
  l.dv.setUint32(l.ring0 + NR.CUR, 5, true);
  [5, 6, 7, 0, 1].forEach((s, k) => kernelFill(l, s, 10 - k, 60 + k, 0xa0 + k));
  l.dv.setUint32(l.ring0 + NR.TAIL, 2, true);
  assert.equal(r.pending(), 5);
  assert.equal(r.fill(b, 4), 4); // batch cap 4: slots 5,6,7,0
  for (let k = 0; k < 4; k++) {
    assert.equal(b.caplen[k], 60 + k);
    assert.equal(b.offset[k], l.bufs + (10 - k) * BUF);
    assert.equal(b.data[b.offset[k]], 0xa0 + k);
    assert.equal(b.data[b.offset[k] + b.caplen[k] - 1], 0xa0 + k);
    assert.equal(b.tsUs[k], 1700000000123456);
  }
  // not released yet: the kernel still sees head = 5
  assert.equal(l.dv.getUint32(l.ring0 + NR.HEAD, true), 5);
  r.release();
  assert.equal(l.dv.getUint32(l.ring0 + NR.HEAD, true), 1);
  assert.equal(l.dv.getUint32(l.ring0 + NR.CUR, true), 1);
  assert.equal(r.fill(b, 4), 1);
  assert.equal(b.caplen[0], 64);
  r.release();
  assert.equal(r.pending(), 0);
  assert.equal(r.fill(b, 4), 0);
});

test('netmap not available on this host: one clear error naming the module', { skip: existsSync('/dev/netmap') ? 'netmap is loaded here' : false }, () => {
  assert.throws(() => openLiveSources({ iface: 'eth0', capture: 'netmap' }),
    (e: unknown) => e instanceof NativeUnavailableError && e.reason === 'kernel' && /netmap kernel module/.test(e.message));
});

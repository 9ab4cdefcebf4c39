/**
 * A single-producer single-consumer ring of frame descriptors in shared memory: the
 * dispatcher thread writes where each frame lies (buffer, offset, lengths, time), the worker
 * reads the bytes in place from the shared chunk or the mapped window. No frame is copied or posted as a message.
 *
 * Layout: one SharedArrayBuffer holding a control block (Int32Array, CTRL_WORDS) and
 * `size` entries of ENTRY_WORDS 32-bit words (+ two Float64 per entry, timestamp and clock,
 * in a second view). Indexes are free-running counters; entry k lives at k & (size - 1).
 * Ordering: plain writes of an entry happen before Atomics.store of WRITE (seq-cst), and the
 * consumer reads WRITE with Atomics.load before reading entries: the usual SPSC publication.
 */
export const CTRL_WORDS = 16;
export const C_WRITE = 0;
export const C_READ = 1;
/**
 * Set by the consumer while it sleeps in Atomics.wait on WRITE: the producer calls
 * Atomics.notify only then (no futex call per batch for a busy worker). bench/dispatch.ts
 * showed no difference beyond noise (230-245 ns/frame either way); waking a sleeping worker
 * only every 2048 entries did not change bench-1g throughput either, so every batch wakes it.
 */
export const C_SLEEP = 2;
export const ENTRY_WORDS = 8;
export const E_CHUNK = 0;
export const E_OFFSET = 1;
export const E_CAPLEN = 2;
export const E_WIRELEN = 3;
export const E_LINK = 4; // linktype | iface << 16
export const E_VLAN = 5;
export const E_FILE = 6;

/**
 * E_CHUNK is the index of the buffer holding the frame: the dispatcher's shared read(2)
 * chunks first, then its mapped window slots (file.ts, file-map.ts); or one of these kinds.
 */
export const KIND_TICK = 0xffffffff;
export const KIND_END = 0xfffffffe;

export interface Ring {
  sab: SharedArrayBuffer;
  size: number;
  ctrl: Int32Array;
  e: Uint32Array;
  /** Per entry: [2k] the frame's timestamp, [2k + 1] the capture-wide clock at that frame (µs). */
  ts: Float64Array;
}

export function createRing(size: number): SharedArrayBuffer {
  if (size & (size - 1)) throw new Error('ring size must be a power of two');
  return new SharedArrayBuffer(CTRL_WORDS * 4 + size * ENTRY_WORDS * 4 + size * 16);
}

export function openRing(sab: SharedArrayBuffer): Ring {
  const size = (sab.byteLength - CTRL_WORDS * 4) / (ENTRY_WORDS * 4 + 16);
  return {
    sab,
    size,
    ctrl: new Int32Array(sab, 0, CTRL_WORDS),
    e: new Uint32Array(sab, CTRL_WORDS * 4, size * ENTRY_WORDS),
    ts: new Float64Array(sab, CTRL_WORDS * 4 + size * ENTRY_WORDS * 4, size * 2),
  };
}

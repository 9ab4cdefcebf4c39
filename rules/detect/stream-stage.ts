/**
 * Raw stream inspection: a StreamConsumer of the TCP reassembler that runs the TCP payload
 * rules (compiler.ts streamEligible: content/pcre/byte_* rules without packet-only
 * keywords) over the reassembled bytes of each direction, as Suricata's stream payload
 * inspection (detect-engine-payload.c) does:
 *  - data arrives in order, when the receiver acknowledged it (IDS mode) or at once
 *    (stream.inline), and at flow end the rest is flushed;
 *  - the last TAIL bytes already inspected are kept and inspected again in front of the new
 *    data, so a pattern split across segments is seen whole; a rule that matches the tail
 *    alone matched before and is not reported again (one alert per match);
 *  - `flow:only_stream` / `tcp-stream` rules match only here, `flow:no_stream` / `tcp-pkt`
 *    / dsize rules never; packets the reassembler adds to a stream skip these rules on
 *    their payload (engine.ts), so a match is not reported by both paths;
 *  - data after a valid RST and RST payload are not stream data (reassembly/tcp.ts), so
 *    only_stream rules do not see them (bug-6244).
 * Per-flow memory: up to two TAIL-byte buffers, allocated when a direction's tail is first
 * written back from the shared work buffer, freed at flow end. No allocation per chunk.
 */
import type { StreamConsumer } from '../../reassembly/tcp.js';
import type { FlowTable } from '../../sensor/flow/table.js';
import type { DetectStage } from './stage.js';
import { emptyPacketView, type PacketView } from './packet-view.js';

/** Bytes of already inspected stream kept per direction (the longest ET Open content chain fits; app rules with payload parts match against it). */
export const STREAM_TAIL = 2048;

export class StreamDetect implements StreamConsumer {
  /** Tail bytes per (slot*2 + dir): the last inspected bytes, and how many are valid. */
  private readonly tails: (Uint8Array | null)[];
  private readonly tailLen: Uint16Array;
  /** Work buffer: tail + new chunk. Grows to the largest chunk seen. */
  private buf = new Uint8Array(64 * 1024);
  private readonly pv: PacketView & { vlanCount: number; vlan0: number; vlan1: number; iface: number };
  chunks = 0;
  bytes = 0;

  constructor(private readonly flows: FlowTable, private readonly detect: DetectStage) {
    this.tails = new Array(flows.cap * 2).fill(null);
    this.tailLen = new Uint16Array(flows.cap * 2);
    this.pv = Object.assign(emptyPacketView(), { vlanCount: 0, vlan0: 0, vlan1: 0, iface: 0 });
    this.pv.proto = 6;
    flows.onEnd((slot) => {
      if (this.live >> 1 === slot) this.live = -1;
      this.tails[slot * 2] = null; this.tails[slot * 2 + 1] = null;
      this.tailLen[slot * 2] = 0; this.tailLen[slot * 2 + 1] = 0;
    });
  }

  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number, streamOffset = 0): void {
    if (len <= 0) return;
    // Data of a session that never got established (SYN with data, no handshake) was
    // inspected on its packets (untracked) and is not stream data for Suricata
    // (detect-bytejump-01: one alert, not a second one from the end-of-flow flush).
    const st = this.detect.streamState;
    if (st !== null && st[flow] < 3) return;
    const ti = flow * 2 + (toServer ? 0 : 1);
    const tl = this.tailLen[ti];
    if (this.buf.length < tl + len) { this.flush(); this.buf = new Uint8Array(Math.max(tl + len, this.buf.length * 2)); }
    const b = this.buf;
    if (ti === this.live) {
      // The tail is still at the end of the work buffer (the previous chunk was this
      // direction's): move it to the front instead of copying it out and back in.
      if (tl > 0) b.copyWithin(0, this.liveEnd - tl, this.liveEnd);
    } else {
      this.flush();
      const tail = this.tails[ti];
      // Whole-array copies where possible: a subarray per copy was 10 % of the allocations.
      if (tail !== null && tl > 0) { if (tl === STREAM_TAIL) b.set(tail, 0); else b.set(tail.subarray(0, tl), 0); }
    }
    if (off === 0 && len === bytes.length) b.set(bytes, tl); else b.set(bytes.subarray(off, off + len), tl);
    const total = tl + len;
    this.chunks++;
    this.bytes += len;
    const fl = this.flows, a = flow * 8, pv = this.pv;
    pv.ipVersion = fl.ipv[flow];
    for (let i = 0; i < 4; i++) {
      pv.src[i] = fl.addr[(toServer ? a : a + 4) + i];
      pv.dst[i] = fl.addr[(toServer ? a + 4 : a) + i];
    }
    pv.sport = toServer ? fl.sport[flow] : fl.dport[flow];
    pv.dport = toServer ? fl.dport[flow] : fl.sport[flow];
    pv.data = b; pv.payOff = 0; pv.payLen = total;
    pv.tsUs = fl.lastUs[flow];
    pv.vlanCount = fl.vlanCount[flow]; pv.vlan0 = fl.vlan0[flow]; pv.vlan1 = fl.vlan1[flow]; pv.iface = fl.iface[flow];
    // Stream offset of b[0] (the tail's first byte): absolute content windows count from the stream start.
    this.detect.inspectStream(flow, toServer, pv, tl, streamOffset > tl ? streamOffset - tl : 0);
    // The last STREAM_TAIL bytes are the next chunk's tail: they stay in the work buffer
    // (written back to tails[ti] only when another direction's chunk needs the buffer).
    this.tailLen[ti] = total < STREAM_TAIL ? total : STREAM_TAIL;
    this.live = ti;
    this.liveEnd = total;
  }

  /** The tail index (slot*2 + dir) whose tail lives at buf[liveEnd - tailLen, liveEnd), or -1. */
  private live = -1;
  private liveEnd = 0;

  /** Writes the live tail back to its array. */
  private flush(): void {
    const ti = this.live;
    if (ti < 0) return;
    this.live = -1;
    const tl = this.tailLen[ti];
    if (tl === 0) return;
    let tail = this.tails[ti];
    if (tail === null) { tail = new Uint8Array(STREAM_TAIL); this.tails[ti] = tail; }
    tail.set(this.buf.subarray(this.liveEnd - tl, this.liveEnd), 0);
  }

  /** Raw bytes for app rules with payload parts (assemble()): view of [0, rawLen). */
  private rawBuf = new Uint8Array(8192);

  /**
   * The raw stream of a direction as app rules with payload parts see it: the inspected
   * tail plus `bytes[off, off+len)` (the chunk being delivered, not yet inspected here: the
   * app layer runs before raw stream inspection so `alert http` stream rules see the
   * protocol this chunk identified). Returns the number of valid bytes in `rawView`.
   */
  assemble(flow: number, toServer: boolean, bytes: Uint8Array | null, off: number, len: number): number {
    const ti = flow * 2 + (toServer ? 0 : 1);
    if (ti === this.live) this.flush();
    const tail = this.tails[ti], tl = tail === null ? 0 : this.tailLen[ti];
    const n = tl + (bytes === null ? 0 : len);
    if (this.rawBuf.length < n) this.rawBuf = new Uint8Array(n * 2);
    if (tail !== null) this.rawBuf.set(tail.subarray(0, tl), 0);
    if (bytes !== null) this.rawBuf.set(bytes.subarray(off, off + len), tl);
    return n;
  }

  get rawView(): Uint8Array {
    return this.rawBuf;
  }

  onGap(flow: number, toServer: boolean): void {
    // Bytes are missing: what follows does not continue the tail.
    const ti = flow * 2 + (toServer ? 0 : 1);
    if (ti === this.live) this.live = -1;
    this.tailLen[ti] = 0;
  }

  onClose(): void {}
}

/**
 * Raw stream inspection: a StreamConsumer of the TCP reassembler that runs the TCP payload
 * rules (compiler.ts streamEligible: content/pcre/byte_* rules without packet-only
 * keywords) over the reassembled bytes of each direction, as Suricata's stream payload
 * inspection (detect-engine-payload.c, stream-tcp-reassemble.c) does:
 *  - data arrives in order, when the receiver acknowledged it (IDS mode) or at once
 *    (stream.inline), and at flow end the rest is flushed;
 *  - acknowledged data is inspected in chunks, as Suricata's StreamTcpReassembleRawCheckLimit
 *    decides: once at least `stream.reassembly.toserver-chunk-size` /
 *    `toclient-chunk-size` bytes (default 2560) wait, or at once when the app layer
 *    completed a transaction side in that direction (AppLayerParserTriggerRawStreamReassembly:
 *    HTTP request/response done, SMTP data end, ...), when the session closes (a FIN or RST
 *    reached, flow end: PKT_PSEUDO_STREAM_END), before a gap and when the depth is reached.
 *    Inline mode inspects every delivery (chunk size 0). Suricata's randomize-chunk-size is
 *    not applied: the same capture always gives the same chunks;
 *  - the last TAIL bytes already inspected are kept and inspected again in front of the new
 *    data, so a pattern split across chunks is seen whole; a rule that matches the tail
 *    alone matched before and is not reported again (one alert per match);
 *  - `flow:only_stream` / `tcp-stream` rules match only here, `flow:no_stream` / `tcp-pkt`
 *    / dsize rules never; packets the reassembler adds to a stream skip these rules on
 *    their payload (engine.ts), so a match is not reported by both paths;
 *  - data after a valid RST and RST payload are not stream data (reassembly/tcp.ts), so
 *    only_stream rules do not see them (bug-6244).
 * Per-flow memory: per direction one buffer of at most TAIL + chunk-size + 2 KiB bytes
 * (the inspected tail, then the bytes waiting for inspection), grown on demand and returned
 * to a pool at flow end; all flows together hold at most HELD_MEMCAP of waiting bytes. A
 * delivery that does not fit is inspected from a shared work buffer. No allocation per chunk.
 */
import type { StreamConsumer } from '../../reassembly/tcp.js';
import type { FlowTable } from '../../sensor/flow/table.js';
import type { DetectStage } from './stage.js';
import { emptyPacketView, type PacketView } from './packet-view.js';

/** Bytes of already inspected stream kept per direction (the longest ET Open content chain fits; app rules with payload parts match against it). */
export const STREAM_TAIL = 2048;
/** Suricata's default stream.reassembly.toserver-chunk-size / toclient-chunk-size. */
export const STREAM_CHUNK = 2560;
/**
 * Memory for bytes waiting for inspection, all flows of a worker together: over it a
 * delivery is inspected at once (Suricata would count them in stream.reassembly.memcap; here
 * holding them is only an optimisation, so the cap degrades to per-delivery inspection).
 */
const HELD_MEMCAP = 128 << 20;
/** Room for the delivery that fills a chunk (the reassembler hands over at most a 2 KiB page per call) so it is inspected in place. */
const HELD_SLACK = 2048;

export interface StreamDetectOptions {
  /** Bytes that wait for inspection per direction (0 = inspect every delivery, as inline mode does). */
  toServerChunk: number;
  toClientChunk: number;
  /** stream.reassembly.depth (0 = unlimited): reaching it inspects what waits. */
  depth: number;
}

export const DEFAULT_STREAM_DETECT: StreamDetectOptions = { toServerChunk: STREAM_CHUNK, toClientChunk: STREAM_CHUNK, depth: 1 << 20 };

export class StreamDetect implements StreamConsumer {
  /** Per (slot*2 + dir): [tail | pending] — the last inspected bytes, then delivered bytes not yet inspected. */
  private readonly held: (Uint8Array | null)[];
  private readonly tailLen: Uint16Array;
  private readonly pendLen: Uint32Array;
  /** Stream offset of the first waiting byte. */
  private readonly pendAt: Float64Array;
  /** The app layer asked for inspection of this direction (set by trigger(), used by the next delivery). */
  private readonly trig: Uint8Array;
  /** Work buffer for a chunk larger than its direction's held buffer. Grows to the largest chunk seen. */
  private buf = new Uint8Array(64 * 1024);
  private readonly pv: PacketView & { vlanCount: number; vlan0: number; vlan1: number; iface: number };
  private readonly opts: StreamDetectOptions;
  /** Inspections and bytes inspected (new bytes, tails not counted). */
  chunks = 0;
  bytes = 0;

  constructor(private readonly flows: FlowTable, private readonly detect: DetectStage, opts: Partial<StreamDetectOptions> = {}) {
    // Chunk sizes come validated from the config (sensor/config.ts chunkSize: 0..65535).
    this.opts = { ...DEFAULT_STREAM_DETECT, ...opts };
    this.held = new Array(flows.cap * 2).fill(null);
    this.tailLen = new Uint16Array(flows.cap * 2);
    this.pendLen = new Uint32Array(flows.cap * 2);
    this.pendAt = new Float64Array(flows.cap * 2);
    this.trig = new Uint8Array(flows.cap * 2);
    this.pv = Object.assign(emptyPacketView(), { vlanCount: 0, vlan0: 0, vlan1: 0, iface: 0 });
    this.pv.proto = 6;
    flows.onEnd((slot) => {
      for (let ti = slot * 2; ti < slot * 2 + 2; ti++) {
        const h = this.held[ti];
        if (h !== null) this.release(h);
        this.held[ti] = null; this.tailLen[ti] = 0; this.pendLen[ti] = 0; this.trig[ti] = 0;
      }
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
    const pl = this.pendLen[ti];
    const chunk = toServer ? this.opts.toServerChunk : this.opts.toClientChunk;
    const depth = this.opts.depth;
    const at = this.tailLen[ti] + pl;
    if (pl + len < chunk && this.trig[ti] === 0 && (depth === 0 || streamOffset + len < depth) && this.canHold(ti, at + len)) {
      // Not enough yet: keep the bytes behind the tail until the chunk is full or a trigger.
      const h = this.room(ti, at + len, STREAM_TAIL + chunk + HELD_SLACK);
      if (off === 0 && len === bytes.length) h.set(bytes, at); else h.set(bytes.subarray(off, off + len), at);
      if (pl === 0) this.pendAt[ti] = streamOffset;
      this.pendLen[ti] = pl + len;
      return;
    }
    this.inspect(flow, toServer, ti, bytes, off, len, pl > 0 ? this.pendAt[ti] : streamOffset);
  }

  /**
   * The app layer completed a transaction side in this stream direction (Suricata:
   * AppLayerParserTriggerRawStreamReassembly): the next delivery is inspected at once,
   * whatever its size.
   */
  trigger(flow: number, toServer: boolean): void {
    this.trig[flow * 2 + (toServer ? 0 : 1)] = 1;
  }

  /**
   * Held buffers of ended flows, by length, for the next flows: a typed array with its own
   * backing store costs ~1 µs to create, and every flow direction with data needs one.
   */
  private readonly pool = new Map<number, Uint8Array[]>();
  private static readonly POOL_MAX = 1024;

  /** Bytes of held buffers assigned to flow directions (pooled ones not counted). */
  heldBytes = 0;
  /** Over this, deliveries are inspected at once instead of waiting for a chunk (only tails are kept). */
  heldCap = HELD_MEMCAP;

  /** Holding `need` bytes in ti fits the buffer it has, or the memory cap. */
  private canHold(ti: number, need: number): boolean {
    const h = this.held[ti];
    return (h !== null && h.length >= need) || this.heldBytes < this.heldCap;
  }

  private release(h: Uint8Array): void {
    this.heldBytes -= h.length;
    let l = this.pool.get(h.length);
    if (l === undefined) { l = []; this.pool.set(h.length, l); }
    if (l.length < StreamDetect.POOL_MAX) l.push(h);
  }

  /** The held buffer of ti with room for `need` bytes (grown by doubling up to `cap`, the content kept). */
  private room(ti: number, need: number, cap: number): Uint8Array {
    let h = this.held[ti];
    if (h !== null && h.length >= need) return h;
    let n = h === null ? 1024 : h.length * 2;
    while (n < need) n *= 2;
    const size = Math.max(need, Math.min(n, cap));
    const g = this.pool.get(size)?.pop() ?? new Uint8Array(size);
    this.heldBytes += g.length;
    if (h !== null) { const used = this.tailLen[ti] + this.pendLen[ti]; if (used > 0) g.set(h.subarray(0, used)); this.release(h); }
    this.held[ti] = g;
    h = g;
    return h;
  }

  /**
   * Inspects tail + pending + bytes[off, off+len) (bytes may be null: pending only), then
   * keeps the last STREAM_TAIL bytes as the tail. `pendStart` is the stream offset of the
   * first pending byte.
   */
  private inspect(flow: number, toServer: boolean, ti: number, bytes: Uint8Array | null, off: number, len: number, pendStart: number): void {
    const tl = this.tailLen[ti], pl = this.pendLen[ti];
    if (pl + len === 0) return;
    this.trig[ti] = 0;
    const kept = tl + pl, total = kept + len;
    let h = this.held[ti], b: Uint8Array;
    if (h !== null && h.length >= total) {
      if (bytes !== null) h.set(bytes.subarray(off, off + len), kept);
      b = h;
    } else {
      if (this.buf.length < total) this.buf = new Uint8Array(Math.max(total, this.buf.length * 2));
      b = this.buf;
      if (h !== null && kept > 0) b.set(h.subarray(0, kept), 0);
      if (bytes !== null) b.set(bytes.subarray(off, off + len), kept);
    }
    this.chunks++;
    this.bytes += pl + len;
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
    this.detect.inspectStream(flow, toServer, pv, tl, pendStart > tl ? pendStart - tl : 0);
    // The last STREAM_TAIL bytes are the next chunk's tail, at the front of the held buffer.
    const nt = total < STREAM_TAIL ? total : STREAM_TAIL;
    if (b === h) h.copyWithin(0, total - nt, total);
    else {
      this.pendLen[ti] = 0; this.tailLen[ti] = 0;
      h = this.room(ti, nt, nt);
      h.set(b.subarray(total - nt, total), 0);
    }
    this.tailLen[ti] = nt;
    this.pendLen[ti] = 0;
  }

  /** Inspects what waits in direction ti now (gap, close, flow end). */
  private flushPending(flow: number, toServer: boolean): void {
    const ti = flow * 2 + (toServer ? 0 : 1);
    if (this.pendLen[ti] > 0) this.inspect(flow, toServer, ti, null, 0, 0, this.pendAt[ti]);
  }

  /** Raw bytes for app rules with payload parts (assemble()): view of [0, rawLen). */
  private rawBuf = new Uint8Array(8192);

  /**
   * The raw stream of a direction as app rules with payload parts see it: the inspected
   * tail, the bytes waiting for inspection, plus `bytes[off, off+len)` (the chunk being
   * delivered, not yet seen here: the app layer runs before raw stream inspection so
   * `alert http` stream rules see the protocol this chunk identified). Returns the number
   * of valid bytes in `rawView`.
   */
  assemble(flow: number, toServer: boolean, bytes: Uint8Array | null, off: number, len: number): number {
    const ti = flow * 2 + (toServer ? 0 : 1);
    const h = this.held[ti], kept = h === null ? 0 : this.tailLen[ti] + this.pendLen[ti];
    const n = kept + (bytes === null ? 0 : len);
    if (this.rawBuf.length < n) this.rawBuf = new Uint8Array(n * 2);
    if (h !== null && kept > 0) this.rawBuf.set(h.subarray(0, kept), 0);
    if (bytes !== null) this.rawBuf.set(bytes.subarray(off, off + len), kept);
    return n;
  }

  get rawView(): Uint8Array {
    return this.rawBuf;
  }

  onGap(flow: number, toServer: boolean): void {
    // Bytes are missing: what waits is inspected now, and what follows does not continue the tail.
    this.flushPending(flow, toServer);
    const ti = flow * 2 + (toServer ? 0 : 1);
    this.tailLen[ti] = 0;
  }

  /**
   * A direction reached its FIN or RST, or the flow ends: both directions inspect what
   * waits (Suricata inspects at once in the closing states and on the pseudo packet of
   * the flow end).
   */
  onClose(flow: number): void {
    this.flushPending(flow, true);
    this.flushPending(flow, false);
  }
}

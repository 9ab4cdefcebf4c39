/**
 * HTTP/2 per-flow state (RFC 7540), with Suricata's semantics (rust/src/http2/http2.rs):
 * the client connection preface, then frames in both directions; one transaction per
 * stream id, one "global" transaction per stream-0 frame (SETTINGS, PING, GOAWAY,
 * WINDOW_UPDATE on the connection); app-layer events raised on the latest transaction
 * under Suricata's names (http2.invalid_frame_header, ...).
 *
 * Bytes: a frame that is complete inside a chunk is parsed in place; only a frame cut by
 * the chunk end is copied into the direction's reassembly buffer (bounded: frames above
 * MAX_FRAME are skipped, counted as http2.long_frame_data). Header blocks split over
 * HEADERS + CONTINUATION are joined in a bounded buffer (Suricata's max-reassembly-size,
 * 100 KiB) before HPACK decoding; each direction has its own HPACK decoder.
 */
import { TO_CLIENT, TO_SERVER, type TxSink } from '../types.js';
import { HpackDecoder, HP_INTEGER_OVERFLOW, HP_SIZE_UPDATE_TOO_BIG, type HeaderList } from './hpack.js';
import { Http2Tx, NK } from './tx.js';

export const PREFACE = new Uint8Array([
  0x50, 0x52, 0x49, 0x20, 0x2a, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x32, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a, 0x53, 0x4d, 0x0d, 0x0a, 0x0d, 0x0a,
]);

export const enum FT { DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9 }

const FLAG_END_STREAM = 0x1, FLAG_END_HEADERS = 0x4, FLAG_PADDED = 0x8, FLAG_PRIORITY = 0x20;
/** Suricata's HTTP2_MAX_HANDLED_FRAME_SIZE: longer frames are skipped (http2.long_frame_data). */
const MAX_FRAME = 65536;
/** Suricata's app-layer.protocols.http2.max-reassembly-size default (header block joins). */
const MAX_BLOCK = 102400;
/** Suricata's app-layer.protocols.http2.max-streams default. */
export const MAX_STREAMS = 4096;

class Dir {
  /** Partial frame bytes (header + payload), copied from chunks. */
  buf = new Uint8Array(0);
  len = 0;
  /** Payload bytes of an oversized frame still to skip. */
  skip = 0;
  readonly hpack = new HpackDecoder();
  /** Header block being joined (HEADERS/PUSH_PROMISE without END_HEADERS). */
  block: Uint8Array | null = null;
  blockLen = 0;
  blockStream = 0;
  blockType = 0;
  blockFlags = 0;
  blockPromised = 0;
  blockOverflow = false;
  /** Client only: bytes of the connection preface still expected (24 → 0). */
  magic = 0;
  /** Highest stream id this side opened (stream_id_reuse). */
  maxStream = 0;
}

/**
 * Reused header list for one decoded block (the tx copies the arrays' contents it keeps:
 * only the element references, the byte arrays are already per-header copies).
 */
function emptyList(): HeaderList { return { names: [], values: [], sizeUpdates: [] }; }

export class Http2State {
  private readonly ts = new Dir();
  private readonly tc = new Dir();
  /** Open stream transactions by stream id. */
  private readonly streams = new Map<number, Http2Tx>();
  private nextId = 0;
  /** The latest transaction (Suricata raises events on the last one). */
  private last: Http2Tx | null = null;
  private readonly list = emptyList();
  frames = 0;
  malformed = 0;

  /**
   * After an h2c upgrade the client preface still comes first from the client; stream 1
   * is the upgraded request (upgradeRequest()). `bodyLimit`: DATA bytes kept per side.
   */
  constructor(private readonly sink: TxSink, private readonly bodyLimit = 102400) {
    this.ts.magic = PREFACE.length;
  }

  private newTx(stream: number): Http2Tx {
    const t = new Http2Tx(this.nextId++, stream, this.bodyLimit);
    this.last = t;
    return t;
  }

  private event(name: string): void {
    let t = this.last;
    if (t === null) { t = this.newTx(0); t.global = true; }
    if (!t.events.includes(name)) t.events.push(name);
    // A global tx was already delivered: deliver events raised after it again (rare: only
    // for connection-level errors); stream txs carry events into their pending sides.
    if (t.global && t.progress === (TO_SERVER | TO_CLIENT)) { this.sink(t, TO_SERVER); }
  }

  /**
   * h2c upgrade (HTTP/1 `Upgrade: h2c` answered by 101): stream 1 is the HTTP/1 request,
   * half-closed from the client (Suricata rs_http2_tx_set_method/uri); the request's
   * HTTP2-Settings header (base64url SETTINGS payload) is parsed as the client's settings.
   */
  upgradeRequest(method: Uint8Array, uri: Uint8Array, authority: Uint8Array | null, headers: Array<[Uint8Array, Uint8Array]>, settings: Uint8Array | null): Http2Tx {
    const t = this.newTx(1);
    t.h1 = true;
    const L = this.list;
    L.names.length = 0; L.values.length = 0; L.sizeUpdates.length = 0;
    L.names.push(PSEUDO_METHOD); L.values.push(method);
    L.names.push(PSEUDO_PATH); L.values.push(uri);
    if (authority) { L.names.push(PSEUDO_AUTHORITY); L.values.push(authority); }
    for (const [n, v] of headers) { L.names.push(n); L.values.push(v); }
    t.addHeaders(TO_SERVER, L, FT.HEADERS);
    this.streams.set(1, t);
    this.ts.maxStream = 1;
    if (settings !== null) {
      const raw = base64url(settings);
      if (raw === null || raw.length % 6 !== 0) this.event('http2.invalid_http1_settings');
      else {
        t.frame(TO_SERVER, FT.SETTINGS);
        for (let i = 0; i + 6 <= raw.length; i += 6) t.addSetting(TO_SERVER, (raw[i] << 8) | raw[i + 1], ((raw[i + 2] << 24) | (raw[i + 3] << 16) | (raw[i + 4] << 8) | raw[i + 5]) >>> 0);
      }
    }
    t.progress |= TO_SERVER;
    this.sink(t, TO_SERVER);
    return t;
  }

  feed(b: Uint8Array, off: number, len: number, toServer: boolean): void {
    const d = toServer ? this.ts : this.tc;
    let i = off;
    const end = off + len;
    if (d.magic > 0) {
      // Client preface, possibly split over chunks.
      const start = PREFACE.length - d.magic;
      let k = 0;
      while (k < d.magic && i + k < end && b[i + k] === PREFACE[start + k]) k++;
      if (k < d.magic && i + k < end) {
        // Not the preface: Suricata raises invalid_client_magic and reads frames from here.
        d.magic = 0;
        this.event('http2.invalid_client_magic');
      } else { d.magic -= k; i += k; if (d.magic > 0) return; }
    }
    while (i < end) {
      if (d.skip > 0) {
        const n = Math.min(d.skip, end - i);
        d.skip -= n; i += n;
        continue;
      }
      if (d.len > 0) {
        // Complete the buffered frame.
        if (d.len < 9) {
          const n = Math.min(9 - d.len, end - i);
          this.append(d, b, i, n); i += n;
          if (d.len < 9) return;
        }
        const flen = (d.buf[0] << 16) | (d.buf[1] << 8) | d.buf[2];
        if (flen > MAX_FRAME) { this.oversized(d, d.buf, 0, toServer); d.skip = flen; d.len = 0; continue; }
        const need = 9 + flen - d.len;
        const n = Math.min(need, end - i);
        this.append(d, b, i, n); i += n;
        if (d.len < 9 + flen) return;
        d.len = 0;
        this.frame(d.buf, 0, flen, toServer);
        continue;
      }
      if (end - i < 9) { this.append(d, b, i, end - i); return; }
      const flen = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      if (flen > MAX_FRAME) { this.oversized(d, b, i, toServer); d.skip = flen; i += 9; continue; }
      if (end - i < 9 + flen) { this.append(d, b, i, end - i); return; }
      this.frame(b, i, flen, toServer);
      i += 9 + flen;
    }
  }

  private append(d: Dir, b: Uint8Array, off: number, n: number): void {
    if (d.len + n > d.buf.length) {
      const nb = new Uint8Array(Math.max(d.len + n, Math.min(9 + MAX_FRAME, Math.max(1024, d.buf.length * 2))));
      nb.set(d.buf.subarray(0, d.len));
      d.buf = nb;
    }
    d.buf.set(b.subarray(off, off + n), d.len);
    d.len += n;
  }

  private oversized(_d: Dir, _b: Uint8Array, _off: number, _toServer: boolean): void {
    this.frames++;
    this.event('http2.long_frame_data');
  }

  /** One complete frame: 9-byte header at off, payload of flen bytes after it. */
  private frame(b: Uint8Array, off: number, flen: number, toServer: boolean): void {
    this.frames++;
    const type = b[off + 3], flags = b[off + 4];
    const reserved = b[off + 5] & 0x80;
    const stream = ((b[off + 5] & 0x7f) << 24 | (b[off + 6] << 16) | (b[off + 7] << 8) | b[off + 8]) >>> 0;
    const p = off + 9, pe = p + flen;
    const d = toServer ? this.ts : this.tc;
    const dir = toServer ? TO_SERVER : TO_CLIENT;
    if (reserved !== 0) { this.malformed++; this.event('http2.invalid_frame_header'); }
    // A header block in progress admits only CONTINUATION on its stream.
    if (d.block !== null && (type !== FT.CONTINUATION || stream !== d.blockStream)) {
      this.malformed++;
      this.event('http2.invalid_frame_header');
      d.block = null; d.blockLen = 0;
    }
    switch (type) {
      case FT.DATA: {
        if (stream === 0) { this.malformed++; this.event('http2.invalid_frame_header'); return; }
        let s = p, e = pe;
        if (flags & FLAG_PADDED) {
          if (flen < 1 || b[p] >= flen) { this.malformed++; this.event('http2.invalid_frame_data'); return; }
          e -= b[p]; s++;
        }
        const t = this.streamTx(stream, toServer, false);
        if (t === null) return;
        t.frame(dir, FT.DATA);
        t.body(dir, b, s, e - s);
        if (flags & FLAG_END_STREAM) this.endSide(t, dir);
        return;
      }
      case FT.HEADERS: case FT.PUSH_PROMISE: {
        if (stream === 0) { this.malformed++; this.event('http2.invalid_frame_header'); return; }
        let s = p, e = pe, promised = 0, weight = -1;
        if (flags & FLAG_PADDED) {
          if (flen < 1 || b[p] >= flen) { this.malformed++; this.event('http2.invalid_frame_data'); return; }
          e -= b[p]; s++;
        }
        if (type === FT.PUSH_PROMISE) {
          if (e - s < 4) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
          promised = ((b[s] & 0x7f) << 24 | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
          s += 4;
        } else if (flags & FLAG_PRIORITY) {
          if (e - s < 5) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
          weight = b[s + 4];
          s += 5;
        }
        const t = this.streamTx(stream, toServer, type === FT.HEADERS);
        if (t !== null) { t.frame(dir, type); if (weight >= 0) t.addNum(NK.PRIORITY, dir, weight); }
        if (flags & FLAG_END_HEADERS) { this.headerBlock(d, b, s, e, stream, type, flags, promised, toServer); return; }
        d.block = d.block ?? new Uint8Array(Math.min(MAX_BLOCK, Math.max(4096, (e - s) * 2)));
        d.blockLen = 0; d.blockStream = stream; d.blockType = type; d.blockFlags = flags; d.blockPromised = promised; d.blockOverflow = false;
        this.blockAppend(d, b, s, e - s);
        return;
      }
      case FT.CONTINUATION: {
        if (d.block === null || stream !== d.blockStream) { this.malformed++; this.event('http2.invalid_frame_header'); return; }
        const t = this.streams.get(stream);
        t?.frame(dir, FT.CONTINUATION);
        this.blockAppend(d, b, p, flen);
        if (flags & FLAG_END_HEADERS) {
          const blk = d.block;
          d.block = null;
          if (d.blockOverflow) { this.malformed++; this.event('http2.invalid_header'); return; }
          this.headerBlock(d, blk, 0, d.blockLen, stream, d.blockType, d.blockFlags, d.blockPromised, toServer);
        }
        return;
      }
      case FT.PRIORITY: {
        if (flen !== 5) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
        const t = stream === 0 ? this.globalTx(dir, type) : this.streamTx(stream, toServer, false);
        if (t === null) return;
        if (stream !== 0) t.frame(dir, type);
        t.addNum(NK.PRIORITY, dir, b[p + 4]);
        if (t.global) this.deliverGlobal(t, dir);
        return;
      }
      case FT.RST_STREAM: {
        if (flen !== 4) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
        const code = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
        if (stream === 0) { const g = this.globalTx(dir, type); g.addNum(NK.ERRORCODE, dir, code); this.deliverGlobal(g, dir); return; }
        const t = this.streams.get(stream);
        if (!t) return;
        t.frame(dir, type);
        t.addNum(NK.ERRORCODE, dir, code);
        this.endSide(t, TO_SERVER);
        this.endSide(t, TO_CLIENT);
        return;
      }
      case FT.SETTINGS: {
        if (flen % 6 !== 0 || ((flags & 1) && flen !== 0)) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
        const t = this.globalTx(dir, type);
        for (let q = p; q + 6 <= pe; q += 6) {
          const id = (b[q] << 8) | b[q + 1], v = ((b[q + 2] << 24) | (b[q + 3] << 16) | (b[q + 4] << 8) | b[q + 5]) >>> 0;
          t.addSetting(dir, id, v);
        }
        this.deliverGlobal(t, dir);
        return;
      }
      case FT.PING: {
        if (flen !== 8) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
        this.deliverGlobal(this.globalTx(dir, type), dir);
        return;
      }
      case FT.GOAWAY: {
        if (flen < 8) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
        const t = this.globalTx(dir, type);
        t.addNum(NK.ERRORCODE, dir, ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0);
        this.deliverGlobal(t, dir);
        return;
      }
      case FT.WINDOW_UPDATE: {
        if (flen !== 4) { this.malformed++; this.event('http2.invalid_frame_length'); return; }
        const inc = ((b[p] & 0x7f) << 24 | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
        const t = stream === 0 ? this.globalTx(dir, type) : this.streams.get(stream) ?? null;
        if (t === null) return;
        if (stream !== 0) t.frame(dir, type);
        t.addNum(NK.WINDOW, dir, inc);
        if (t.global) this.deliverGlobal(t, dir);
        return;
      }
      default:
        // Unknown frame types are ignored (RFC 7540 §4.1).
        return;
    }
  }

  private blockAppend(d: Dir, b: Uint8Array, off: number, n: number): void {
    if (d.blockOverflow) return;
    if (d.blockLen + n > MAX_BLOCK) { d.blockOverflow = true; return; }
    if (d.blockLen + n > d.block!.length) {
      const nb = new Uint8Array(Math.min(MAX_BLOCK, Math.max(d.blockLen + n, d.block!.length * 2)));
      nb.set(d.block!.subarray(0, d.blockLen));
      d.block = nb;
    }
    d.block!.set(b.subarray(off, off + n), d.blockLen);
    d.blockLen += n;
  }

  private headerBlock(d: Dir, b: Uint8Array, s: number, e: number, stream: number, type: number, flags: number, promised: number, toServer: boolean): void {
    const L = this.list;
    L.names.length = 0; L.values.length = 0; L.sizeUpdates.length = 0;
    const st = d.hpack.decode(b, s, e, L);
    if (st & HP_INTEGER_OVERFLOW) this.event('http2.header_integer_overflow');
    else if (st & HP_SIZE_UPDATE_TOO_BIG) this.event('http2.invalid_header');
    else if (st !== 0) { this.malformed++; this.event('http2.invalid_header'); }
    const dir = toServer ? TO_SERVER : TO_CLIENT;
    const t = this.streams.get(stream);
    if (t === undefined) return;
    t.addHeaders(dir, L, type);
    if (type === FT.PUSH_PROMISE) {
      // The promised stream is the server's; Suricata keeps the promise with the parent stream's frames.
      if (promised > this.tc.maxStream) this.tc.maxStream = promised;
      return;
    }
    if (toServer) {
      for (let i = 0; i < L.names.length; i++) {
        if (eq(L.names[i], PSEUDO_AUTHORITY) && L.values[i].indexOf(64) >= 0) { this.event('http2.userinfo_in_uri'); break; }
      }
    }
    if (flags & FLAG_END_STREAM) this.endSide(t, dir);
  }

  /** The transaction of a stream; a HEADERS frame of a new stream opens one. */
  private streamTx(stream: number, toServer: boolean, opening: boolean): Http2Tx | null {
    let t = this.streams.get(stream);
    if (t !== undefined) { this.last = t; return t; }
    if (!opening) return null;
    const d = toServer ? this.ts : this.tc;
    if (toServer && (stream & 1) === 1 && stream <= d.maxStream) this.event('http2.stream_id_reuse');
    if (this.streams.size >= MAX_STREAMS) { this.event('http2.too_many_streams'); return null; }
    if (stream > d.maxStream) d.maxStream = stream;
    t = this.newTx(stream);
    this.streams.set(stream, t);
    return t;
  }

  private globalTx(dir: number, type: number): Http2Tx {
    const t = this.newTx(0);
    t.global = true;
    t.frame(dir, type);
    return t;
  }

  /** A stream-0 frame's transaction is complete at once (Suricata HTTP2StateGlobal). */
  private deliverGlobal(t: Http2Tx, dir: number): void {
    t.progress = TO_SERVER | TO_CLIENT;
    this.sink(t, dir);
  }

  private endSide(t: Http2Tx, dir: number): void {
    if (t.progress & dir) return;
    t.progress |= dir;
    this.sink(t, dir);
    if (t.progress === (TO_SERVER | TO_CLIENT)) this.streams.delete(t.stream);
  }

  /** The peer closed (or the flow ends): open stream sides complete. */
  close(toServer: boolean): void {
    const dir = toServer ? TO_SERVER : TO_CLIENT;
    for (const t of [...this.streams.values()]) this.endSide(t, dir);
  }

  /** A gap in one direction: frame sync is lost; skip the rest of that direction. */
  gap(toServer: boolean): void {
    const d = toServer ? this.ts : this.tc;
    d.len = 0; d.block = null; d.magic = 0;
    d.skip = Number.MAX_SAFE_INTEGER;
  }
}

const PSEUDO_METHOD = new Uint8Array([58, 109, 101, 116, 104, 111, 100]);
const PSEUDO_PATH = new Uint8Array([58, 112, 97, 116, 104]);
const PSEUDO_AUTHORITY = new Uint8Array([58, 97, 117, 116, 104, 111, 114, 105, 116, 121]);

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** base64url (RFC 4648 §5, padding optional) as HTTP2-Settings carries it; null when invalid. */
export function base64url(s: Uint8Array): Uint8Array | null {
  let str = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === 61) break;
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return null;
    str += String.fromCharCode(c);
  }
  if (str.length % 4 === 1) return null;
  return new Uint8Array(Buffer.from(str, 'base64url'));
}

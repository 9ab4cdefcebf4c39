/**
 * HTTP/1.x message parser over one direction of a reassembled stream. Bytes arrive in
 * arbitrary chunks; unconsumed bytes are kept in a growable buffer (copy: stream chunks are
 * reused by the reassembler after onData returns). States: header block (up to the empty
 * line) → body by Content-Length, chunked transfer coding, or until close → next message.
 * Bodies are stored up to `bodyLimit` bytes (Suricata's request/response-body-limit default
 * is 100 KiB), the rest is counted and dropped.
 */
import { EMPTY } from '../types.js';

const CRLFCRLF = new Uint8Array([13, 10, 13, 10]);

export const enum HState { HEADERS = 0, BODY_CL = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_END = 4, TRAILERS = 5, BODY_CLOSE = 6, TUNNEL = 7, ERROR = 8 }

export interface HeaderBlock {
  /** First line without CRLF. */
  line: Uint8Array;
  names: string[];
  /** Lower-case names, filled on first lookup (sensor/app/http/state.ts). */
  lnames?: string[];
  /** Values as received (trimmed), parallel to names. */
  values: Uint8Array[];
  /** Raw header lines after the first line, including the final empty line. */
  raw: Uint8Array;
  /** First line + CRLF + raw headers (http.start). */
  start: Uint8Array;
}

/** Max header block (libhtp's default field limit is 18 KiB per line; whole block 64 KiB here). */
const MAX_HEADER = 65536;

export interface MessageSink {
  /** Header block parsed; return the body framing: -1 none, -2 chunked, -3 until close, -4 tunnel, >= 0 length. */
  headers(h: HeaderBlock): number;
  body(data: Uint8Array, off: number, len: number): void;
  /** Message complete (after the body). */
  done(): void;
  event(name: string): void;
}

export class HttpHalf {
  private buf = new Uint8Array(4096);
  private len = 0;
  state = HState.HEADERS;
  private remaining = 0;
  constructor(private readonly sink: MessageSink) {}

  /** Feeds in-order bytes. */
  feed(data: Uint8Array, off: number, n: number): void {
    if (this.state === HState.ERROR || this.state === HState.TUNNEL) return;
    // Body bytes are passed through without buffering when nothing is pending.
    let i = off;
    const end = off + n;
    while (i < end) {
      const s = this.state;
      if (s === HState.BODY_CL || s === HState.CHUNK_DATA || s === HState.BODY_CLOSE) {
        if (this.len > 0) { this.drainBuffered(); continue; }
        const take = s === HState.BODY_CLOSE ? end - i : Math.min(this.remaining, end - i);
        this.sink.body(data, i, take);
        i += take;
        if (s !== HState.BODY_CLOSE) { this.remaining -= take; if (this.remaining === 0) this.afterBodyPart(); }
        continue;
      }
      // Line-oriented states: append and parse from the buffer.
      this.append(data, i, end - i);
      i = end;
      this.parseBuffered();
    }
  }

  /** The peer closed: a body delimited by close ends here. */
  close(): void {
    // A header block cut by the end of the stream (a request without its empty line,
    // http-request-line: one midstream packet) is still a message, as libhtp parses it at
    // stream end: terminate it and let it complete.
    if (this.state === HState.HEADERS && this.len > 0) {
      let k = 0;
      while (k < this.len && (this.buf[k] === 13 || this.buf[k] === 10)) k++;
      if (k < this.len) {
        this.append(CRLFCRLF, 0, 4);
        this.parseBuffered();
        const st = this.state as HState;
        if (st === HState.BODY_CL || st === HState.CHUNK_SIZE || st === HState.CHUNK_DATA) { this.sink.event('http.body_truncated'); this.sink.done(); }
        if (st === HState.BODY_CLOSE) this.sink.done();
        this.state = HState.HEADERS;
        this.len = 0;
        return;
      }
    }
    if (this.state === HState.BODY_CLOSE) { this.state = HState.HEADERS; this.sink.done(); }
    else if (this.state !== HState.HEADERS || this.len > 0) {
      if (this.state === HState.BODY_CL || this.state === HState.CHUNK_DATA || this.state === HState.CHUNK_SIZE) this.sink.event('http.body_truncated');
      if (this.state !== HState.ERROR && this.state !== HState.TUNNEL && this.state !== HState.HEADERS) this.sink.done();
    }
  }

  /** Bytes were lost: a message cannot be resynchronised reliably, stop this direction. */
  gap(): void {
    if (this.state === HState.BODY_CLOSE) return;
    if (this.state === HState.BODY_CL && this.remaining > 0) return; // caller accounts via skip()
    this.state = HState.ERROR;
  }

  /** A gap of n bytes inside a Content-Length or close-delimited body: skip them. */
  skip(n: number): boolean {
    if (this.state === HState.BODY_CLOSE) return true;
    if (this.state === HState.BODY_CL && this.len === 0 && n <= this.remaining) {
      this.remaining -= n;
      if (this.remaining === 0) this.afterBodyPart();
      return true;
    }
    this.state = HState.ERROR;
    return false;
  }

  private append(d: Uint8Array, off: number, n: number): void {
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + n) cap *= 2;
      const b = new Uint8Array(cap);
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
    }
    this.buf.set(d.subarray(off, off + n), this.len);
    this.len += n;
  }

  private consume(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }

  private drainBuffered(): void {
    const s = this.state;
    const take = s === HState.BODY_CLOSE ? this.len : Math.min(this.remaining, this.len);
    this.sink.body(this.buf, 0, take);
    this.consume(take);
    if (s !== HState.BODY_CLOSE) { this.remaining -= take; if (this.remaining === 0) this.afterBodyPart(); }
  }

  private afterBodyPart(): void {
    if (this.state === HState.BODY_CL) { this.state = HState.HEADERS; this.sink.done(); }
    else if (this.state === HState.CHUNK_DATA) this.state = HState.CHUNK_END;
  }

  /** Index just past the next LF at/after `from`, or -1. */
  private lineEnd(from: number): number {
    const b = this.buf;
    for (let i = from; i < this.len; i++) if (b[i] === 10) return i + 1;
    return -1;
  }

  private parseBuffered(): void {
    for (;;) {
      const s = this.state;
      if (s === HState.HEADERS) {
        // Skip leading empty lines between messages (RFC 9112 2.2).
        while (this.len > 0 && (this.buf[0] === 13 || this.buf[0] === 10)) this.consume(1);
        if (this.len === 0) return;
        const end = this.headerEnd();
        if (end < 0) {
          if (this.len > MAX_HEADER) { this.sink.event('http.request_field_too_long'); this.state = HState.ERROR; }
          return;
        }
        const h = parseHeaderBlock(this.buf, end);
        this.consume(end);
        const framing = this.sink.headers(h);
        if (framing === -1) { this.sink.done(); continue; }
        if (framing === -2) { this.state = HState.CHUNK_SIZE; continue; }
        if (framing === -3) { this.state = HState.BODY_CLOSE; if (this.len) this.drainBuffered(); return; }
        if (framing === -4) { this.sink.done(); this.state = HState.TUNNEL; return; }
        if (framing === 0) { this.sink.done(); continue; }
        this.state = HState.BODY_CL;
        this.remaining = framing;
        if (this.len) this.drainBuffered();
        if (this.state === HState.BODY_CL) return;
        continue;
      }
      if (s === HState.CHUNK_SIZE) {
        const e = this.lineEnd(0);
        if (e < 0) { if (this.len > 1024) { this.sink.event('http.invalid_transfer_encoding'); this.state = HState.ERROR; } return; }
        let v = 0, digits = 0;
        for (let i = 0; i < e; i++) {
          const c = this.buf[i];
          const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (d < 0) { if (digits === 0 && (c === 32 || c === 9)) continue; break; }
          v = v * 16 + d;
          digits++;
        }
        this.consume(e);
        if (digits === 0 || v > 0x7fffffff) { this.sink.event('http.invalid_transfer_encoding'); this.state = HState.ERROR; return; }
        if (v === 0) { this.state = HState.TRAILERS; continue; }
        this.state = HState.CHUNK_DATA;
        this.remaining = v;
        if (this.len) this.drainBuffered();
        if (this.state === HState.CHUNK_DATA) return;
        continue;
      }
      if (s === HState.CHUNK_END) {
        const e = this.lineEnd(0);
        if (e < 0) return;
        this.consume(e);
        this.state = HState.CHUNK_SIZE;
        continue;
      }
      if (s === HState.TRAILERS) {
        const e = this.lineEnd(0);
        if (e < 0) return;
        const empty = e === 1 || (e === 2 && this.buf[0] === 13);
        this.consume(e);
        if (empty) { this.state = HState.HEADERS; this.sink.done(); }
        continue;
      }
      if (s === HState.BODY_CL || s === HState.CHUNK_DATA || s === HState.BODY_CLOSE) {
        if (this.len) { this.drainBuffered(); continue; }
        return;
      }
      return;
    }
  }

  /** End of the header block (index after the empty line), or -1. */
  private headerEnd(): number {
    const b = this.buf;
    for (let i = 0; i < this.len; i++) {
      if (b[i] !== 10) continue;
      if (i + 1 < this.len && b[i + 1] === 10) return i + 2;
      if (i + 2 < this.len && b[i + 1] === 13 && b[i + 2] === 10) return i + 3;
    }
    return -1;
  }
}

function trimEnd(b: Uint8Array, s: number, e: number): number {
  while (e > s && (b[e - 1] === 13 || b[e - 1] === 10 || b[e - 1] === 32 || b[e - 1] === 9)) e--;
  return e;
}

/** Splits a header block (buf[0..end)) into first line and header fields; folds continuation lines. */
export function parseHeaderBlock(buf: Uint8Array, end: number): HeaderBlock {
  let i = 0;
  while (i < end && buf[i] !== 10) i++;
  const line = buf.slice(0, trimEnd(buf, 0, i));
  const rawStart = i + 1;
  const names: string[] = [];
  const values: Uint8Array[] = [];
  let p = rawStart;
  while (p < end) {
    let q = p;
    while (q < end && buf[q] !== 10) q++;
    const le = trimEnd(buf, p, q);
    if (le > p) {
      if ((buf[p] === 32 || buf[p] === 9) && values.length) {
        // obs-fold: continuation of the previous value.
        let s = p;
        while (s < le && (buf[s] === 32 || buf[s] === 9)) s++;
        const prev = values[values.length - 1];
        const nv = new Uint8Array(prev.length + 1 + le - s);
        nv.set(prev); nv[prev.length] = 32; nv.set(buf.subarray(s, le), prev.length + 1);
        values[values.length - 1] = nv;
      } else {
        let c = p;
        while (c < le && buf[c] !== 58) c++;
        let ne = c;
        while (ne > p && (buf[ne - 1] === 32 || buf[ne - 1] === 9)) ne--;
        let vs = c + 1;
        while (vs < le && (buf[vs] === 32 || buf[vs] === 9)) vs++;
        let name = '';
        for (let k = p; k < ne; k++) name += String.fromCharCode(buf[k]);
        names.push(name);
        values.push(c < le ? buf.slice(vs, le) : EMPTY);
      }
    }
    p = q + 1;
  }
  const raw = buf.slice(Math.min(rawStart, end), end);
  const start = new Uint8Array(line.length + 2 + raw.length);
  start.set(line); start[line.length] = 13; start[line.length + 1] = 10; start.set(raw, line.length + 2);
  return { line, names, values, raw, start };
}

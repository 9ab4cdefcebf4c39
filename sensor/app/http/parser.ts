/**
 * HTTP/1.x message parser over one direction of a reassembled stream. Bytes arrive in
 * arbitrary chunks; unconsumed bytes are kept in a growable buffer (copy: stream chunks are
 * reused by the reassembler after onData returns). States: header block (up to the empty
 * line) → body by Content-Length, chunked transfer coding, or until close → next message.
 * Bodies are stored up to `bodyLimit` bytes (Suricata's request/response-body-limit default
 * is 100 KiB), the rest is counted and dropped.
 */
import { EMPTY, latin1, lfIndex } from '../types.js';

const CRLFCRLF = new Uint8Array([13, 10, 13, 10]);

export const enum HState { HEADERS = 0, BODY_CL = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_END = 4, TRAILERS = 5, BODY_CLOSE = 6, TUNNEL = 7, ERROR = 8, FINALIZE = 9 }

/** libhtp's htp_is_space: SP, HT, LF, VT, FF, CR. */
function isSpace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }

/** Request methods libhtp knows (htp_convert_method_to_number); anything else is HTP_M_UNKNOWN. */
const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'PROPPATCH',
  'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'VERSION-CONTROL', 'CHECKOUT', 'UNCHECKOUT', 'CHECKIN', 'UPDATE', 'LABEL',
  'REPORT', 'MKWORKSPACE', 'MKACTIVITY', 'BASELINE-CONTROL', 'MERGE', 'INVALID', 'HEAD']);

/** Longest method name in METHODS (a longer token is unknown without building a string). */
const METHOD_MAX = 16;

function knownMethod(b: Uint8Array, s: number, e: number): boolean {
  if (e - s > METHOD_MAX) return false;
  let m = '';
  for (let i = s; i < e; i++) m += String.fromCharCode(b[i]);
  return METHODS.has(m);
}

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

const NO_BUF = new Uint8Array(0);

export class HttpHalf {
  /** Bytes not parsed yet; an empty array until first needed (it was 4 KiB per direction of every HTTP flow). */
  private buf: Uint8Array = NO_BUF;
  private len = 0;
  state = HState.HEADERS;
  private remaining = 0;
  /** http.request_body_unexpected already raised for the current request. */
  private unexpected = false;
  /**
   * `request`: the client direction. A request is finalized as libhtp does
   * (htp_connp_REQ_FINALIZE): bytes that follow a complete request in the same chunk are
   * read line by line; a line whose first token is not a known method is more body of that
   * request (http.request_body_unexpected, once per request), a whitespace-only line is body
   * without an event, a method line starts the next request. With nothing more in the chunk
   * the request completes at once.
   */
  constructor(private readonly sink: MessageSink, private readonly request = false) {}

  /** A message's body ended; `more`: bytes of the same chunk follow. */
  private finish(more: boolean): void {
    if (this.request && more) { this.state = HState.FINALIZE; return; }
    this.state = HState.HEADERS;
    this.unexpected = false;
    this.sink.done();
  }

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
        if (s !== HState.BODY_CLOSE) { this.remaining -= take; if (this.remaining === 0) this.afterBodyPart(i < end); }
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
    if (this.state === HState.FINALIZE) {
      // The stream ended inside the finalize step: an unterminated non-method line is body.
      if (this.len > 0) {
        let a = 0;
        while (a < this.len && isSpace(this.buf[a])) a++;
        let b = a;
        while (b < this.len && !isSpace(this.buf[b])) b++;
        if (b === a || !knownMethod(this.buf, a, b)) {
          if (b > a && !this.unexpected) this.sink.event('http.request_body_unexpected');
          this.sink.body(this.buf, 0, this.len);
          this.len = 0;
        }
      }
      this.finish(false);
      if (this.len === 0) return;
    }
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
        if (st === HState.BODY_CLOSE || st === HState.FINALIZE) this.sink.done();
        this.state = HState.HEADERS;
        this.unexpected = false;
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
    if (this.state === HState.FINALIZE) this.finish(false);
    if (this.state === HState.BODY_CLOSE) return;
    if (this.state === HState.BODY_CL && this.remaining > 0) return; // caller accounts via skip()
    this.state = HState.ERROR;
  }

  /** A gap of n bytes inside a Content-Length or close-delimited body: skip them. */
  skip(n: number): boolean {
    if (this.state === HState.FINALIZE) { this.len = 0; this.finish(false); }
    if (this.state === HState.BODY_CLOSE) return true;
    if (this.state === HState.BODY_CL && this.len === 0 && n <= this.remaining) {
      this.remaining -= n;
      if (this.remaining === 0) this.afterBodyPart(false);
      return true;
    }
    this.state = HState.ERROR;
    return false;
  }

  private append(d: Uint8Array, off: number, n: number): void {
    if (this.len + n > this.buf.length) {
      let cap = Math.max(this.buf.length * 2, 1024);
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
    if (s !== HState.BODY_CLOSE) { this.remaining -= take; if (this.remaining === 0) this.afterBodyPart(this.len > 0); }
  }

  private afterBodyPart(more: boolean): void {
    if (this.state === HState.BODY_CL) this.finish(more);
    else if (this.state === HState.CHUNK_DATA) this.state = HState.CHUNK_END;
  }

  /** Index just past the next LF at/after `from`, or -1. */
  private lineEnd(from: number): number {
    const i = lfIndex(this.buf, from, this.len);
    return i < 0 ? -1 : i + 1;
  }

  private parseBuffered(): void {
    for (;;) {
      const s = this.state;
      if (s === HState.HEADERS) {
        // Skip leading empty lines between messages (RFC 9112 2.2).
        let lead = 0;
        while (lead < this.len && (this.buf[lead] === 13 || this.buf[lead] === 10)) lead++;
        if (lead > 0) this.consume(lead);
        if (this.len === 0) return;
        const end = this.headerEnd();
        if (end < 0) {
          if (this.len > MAX_HEADER) { this.sink.event('http.request_field_too_long'); this.state = HState.ERROR; }
          return;
        }
        const h = parseHeaderBlock(this.buf, end);
        this.consume(end);
        const framing = this.sink.headers(h);
        if (framing === -1 || framing === 0) { this.finish(this.len > 0); continue; }
        if (framing === -2) { this.state = HState.CHUNK_SIZE; continue; }
        if (framing === -3) { this.state = HState.BODY_CLOSE; if (this.len) this.drainBuffered(); return; }
        if (framing === -4) { this.sink.done(); this.state = HState.TUNNEL; return; }
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
        if (empty) this.finish(this.len > 0);
        continue;
      }
      if (s === HState.FINALIZE) {
        if (this.len === 0) { this.finish(false); return; }
        const e = this.lineEnd(0);
        if (e < 0) return; // libhtp buffers the line until its LF
        let a = 0;
        while (a < e && isSpace(this.buf[a])) a++;
        let b = a;
        while (b < e && !isSpace(this.buf[b])) b++;
        if (b > a && knownMethod(this.buf, a, b)) { this.finish(false); continue; }
        if (b > a && !this.unexpected) { this.unexpected = true; this.sink.event('http.request_body_unexpected'); }
        this.sink.body(this.buf, 0, e);
        this.consume(e);
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
  const lineLen = trimEnd(buf, 0, i);
  const rawStart = Math.min(i + 1, end);
  // One copy of the block (http.start: first line + CRLF + raw headers); the line, the raw
  // headers and every value are views of it. It was a slice per value plus line, raw and
  // start: transactions live until their response, so all of it survived young-generation
  // collections (HTTP headers were ~45 % of the promoted bytes on bench-1g).
  const start = new Uint8Array(lineLen + 2 + end - rawStart);
  start.set(buf.subarray(0, lineLen));
  start[lineLen] = 13; start[lineLen + 1] = 10;
  start.set(buf.subarray(rawStart, end), lineLen + 2);
  const shift = lineLen + 2 - rawStart; // buf index + shift = start index (raw part)
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
        names.push(latin1(buf, p, ne));
        values.push(c < le ? start.subarray(vs + shift, le + shift) : EMPTY);
      }
    }
    p = q + 1;
  }
  return { line: start.subarray(0, lineLen), names, values, raw: start.subarray(lineLen + 2), start };
}

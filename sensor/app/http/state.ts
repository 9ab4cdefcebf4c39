/**
 * HTTP/1.x per-flow state: a request parser and a response parser (sensor/app/http/parser.ts),
 * transactions paired in order (pipelining), sticky buffers per transaction, response body
 * decompression (gzip/deflate via node:zlib, once per completed body, not per packet).
 */
import { gunzipSync, inflateSync, inflateRawSync, constants as zc } from 'node:zlib';
import { AppProto, BUF, EMPTY, TO_CLIENT, TO_SERVER, ascii, latin1, TxMarks, type AppTx, type TxSink } from '../types.js';
import { HttpHalf, type HeaderBlock, type MessageSink } from './parser.js';
import { normalizeUri } from './uri.js';
import { DEFAULT_HTTP_CONFIG, type HttpConfig } from './config.js';

/** Suricata's default request-body-limit / response-body-limit (100 KiB). */
export const BODY_LIMIT = DEFAULT_HTTP_CONFIG.requestBodyLimit;
/** Decompressed body cap (Suricata: decompression-limit-like guard). */
const DECOMP_LIMIT = 1 << 20;

/**
 * A message body up to its limit, in one buffer grown by doubling. It kept one slice per
 * chunk and joined them when read: a copy and an allocation per packet plus a second copy
 * (Body.add was 5.4 % of the no-rules profile of bench-1g).
 */
class Body {
  private buf: Uint8Array = NO_BODY;
  stored = 0;
  total = 0;
  constructor(private readonly limit: number) {}
  add(d: Uint8Array, off: number, len: number): void {
    this.total += len;
    const take = Math.min(len, this.limit - this.stored);
    if (take <= 0) return;
    const need = this.stored + take;
    if (need > this.buf.length) {
      let cap = Math.max(this.buf.length * 2, 2048);
      while (cap < need) cap *= 2;
      const g = new Uint8Array(Math.max(need, Math.min(cap, this.limit)));
      g.set(this.buf.subarray(0, this.stored));
      this.buf = g;
    }
    this.buf.set(d.subarray(off, off + take), this.stored);
    this.stored = need;
  }
  /** The stored bytes (a view; later add() calls never change what it shows). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.stored);
  }
}
const NO_BODY = new Uint8Array(0);

/** Lower-case header names, computed once per header block (lookups ran toLowerCase per header per lookup). */
function lowerNames(h: HeaderBlock): string[] {
  let l = h.lnames;
  if (l === undefined) { l = h.names.map((n) => n.toLowerCase()); h.lnames = l; }
  return l;
}

function header(h: HeaderBlock | null, lname: string): Uint8Array | null {
  if (!h) return null;
  const names = lowerNames(h);
  let out: Uint8Array | null = null;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== lname) continue;
    // Repeated headers are joined with ", " (libhtp does the same).
    if (out === null) out = h.values[i];
    else { const j: Uint8Array = new Uint8Array(out.length + 2 + h.values[i].length); j.set(out); j[out.length] = 44; j[out.length + 1] = 32; j.set(h.values[i], out.length + 2); out = j; }
  }
  return out;
}

/** "Name: value\r\n" per header, sized first and filled once (it pushed every byte into a number[]: 10 % of the allocations with ET Open). */
function joinHeaders(h: HeaderBlock): Uint8Array {
  let n = 0;
  for (let i = 0; i < h.names.length; i++) n += h.names[i].length + h.values[i].length + 4;
  const o = new Uint8Array(n);
  let p = 0;
  for (let i = 0; i < h.names.length; i++) {
    const nm = h.names[i], v = h.values[i];
    for (let k = 0; k < nm.length; k++) o[p++] = nm.charCodeAt(k);
    o[p++] = 58; o[p++] = 32;
    o.set(v, p); p += v.length;
    o[p++] = 13; o[p++] = 10;
  }
  return o;
}

function headerNames(h: HeaderBlock): Uint8Array {
  let s = '\r\n';
  for (const n of h.names) s += n + '\r\n';
  return ascii(s + '\r\n');
}

function splitFirst(line: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  let a = 0;
  while (a < line.length && line[a] !== 32) a++;
  let b = a + 1;
  while (b < line.length && line[b] === 32) b++;
  let c = line.length;
  // The protocol is the last space-separated token when it starts with HTTP/.
  let lastSp = line.length - 1;
  while (lastSp > b && line[lastSp] !== 32) lastSp--;
  if (lastSp > b && line[lastSp + 1] === 72) c = lastSp;
  let ce = c;
  while (ce > b && line[ce - 1] === 32) ce--;
  return [line.subarray(0, a), line.subarray(Math.min(b, line.length), Math.max(b, ce)), c < line.length ? line.subarray(c + 1) : EMPTY];
}

export class HttpTx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.HTTP;
  progress = 0;
  events: string[] = [];
  req: HeaderBlock | null = null;
  resp: HeaderBlock | null = null;
  method: Uint8Array = EMPTY; uriRaw: Uint8Array = EMPTY; uri: Uint8Array = EMPTY; protocol: Uint8Array = EMPTY;
  statCode: Uint8Array = EMPTY; statMsg: Uint8Array = EMPTY; respProtocol: Uint8Array = EMPTY;
  host: Uint8Array = EMPTY; hostRaw: Uint8Array | null = null;
  readonly reqBody: Body;
  readonly respBody: Body;
  /** Length of the path in `uri` (libhtp's parsed_uri->path, the file name source). */
  pathLen = 0;
  private respBodyDecoded: Uint8Array | null = null;
  private cache = new Map<number, Uint8Array | null>();
  constructor(readonly id: number, cfg: HttpConfig = DEFAULT_HTTP_CONFIG) {
    this.reqBody = new Body(cfg.requestBodyLimit);
    this.respBody = new Body(cfg.responseBodyLimit);
  }

  /**
   * file.name of the body of one direction, as Suricata names HTTP files
   * (app-layer-htp.c): a response body is named by Content-Disposition's filename= or else
   * the normalized URI path; a request body is a file for PUT (named by the path). Multipart
   * uploads (filename per part) are not split out: no file name for them.
   */
  fileName(dir: number): Uint8Array | null {
    if (dir === TO_CLIENT) {
      if (!this.resp || this.respBody.total === 0) return null;
      const cd = header(this.resp, 'content-disposition');
      const fn = cd ? dispositionFilename(cd) : null;
      if (fn) return fn;
      return this.req && this.pathLen > 0 ? this.uri.subarray(0, this.pathLen) : null;
    }
    if (!this.req || this.reqBody.total === 0 || latin1(this.method) !== 'PUT') return null;
    return this.pathLen > 0 ? this.uri.subarray(0, this.pathLen) : null;
  }

  /**
   * Tracked size of the file of one direction (Suricata FileTrackedSize): the body bytes
   * after dechunking, decompressed for gzip/deflate responses (of the part kept under
   * response-body-limit); NaN without a file (same rule as fileName) or, unless `partial`,
   * when the body was cut short (http.body_truncated: FILE_STATE_TRUNCATED).
   */
  fileSize(dir: number, partial: boolean): number {
    if (this.fileName(dir) === null) return NaN;
    if (!partial && this.events.includes('http.body_truncated')) return NaN;
    if (dir === TO_SERVER) return this.reqBody.total;
    const enc = header(this.resp, 'content-encoding');
    return enc !== null && this.respBody.total > 0 ? this.responseBody().length : this.respBody.total;
  }

  status(): number {
    let v = 0;
    for (const c of this.statCode) { if (c < 48 || c > 57) return -1; v = v * 10 + c - 48; }
    return this.statCode.length ? v : -1;
  }

  responseBody(): Uint8Array {
    if (this.respBodyDecoded) return this.respBodyDecoded;
    const raw = this.respBody.bytes();
    let out = raw;
    const enc = header(this.resp, 'content-encoding');
    const e = enc ? latin1(enc).trim().toLowerCase() : '';
    if (raw.length && (e === 'gzip' || e === 'x-gzip' || e === 'deflate')) {
      // Partial flush so a body cut at the body limit still yields its decoded prefix.
      const opts = { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: DECOMP_LIMIT };
      try {
        out = e === 'deflate'
          ? (raw[0] & 0x0f) === 8 ? inflateSync(raw, opts) : inflateRawSync(raw, opts)
          : gunzipSync(raw, opts);
      } catch {
        this.events.push('http.gzip_decompression_failed');
        out = raw;
      }
    }
    this.respBodyDecoded = out;
    return out;
  }

  buffer(id: number, i: number, dir = 0): Uint8Array | null {
    // http.request_header / http.response_header: one "Name: value" instance per header.
    if (id === BUF.HTTP_REQUEST_HEADER || id === BUF.HTTP_RESPONSE_HEADER) {
      const h = id === BUF.HTTP_REQUEST_HEADER ? this.req : this.resp;
      if (!h || i >= h.names.length) return null;
      const v = h.values[i], n = h.names[i];
      const o = new Uint8Array(n.length + 2 + v.length);
      for (let k = 0; k < n.length; k++) o[k] = n.charCodeAt(k) & 0xff;
      o[n.length] = 58; o[n.length + 1] = 32; o.set(v, n.length + 2);
      return o;
    }
    if (i !== 0) return null;
    const key = id * 4 + dir;
    if (this.cache.has(key)) return this.cache.get(key)!;
    const v = this.compute(id, dir);
    this.cache.set(key, v);
    return v;
  }

  private compute(id: number, dir: number): Uint8Array | null {
    const q = this.req, r = this.resp;
    const side = dir === TO_CLIENT ? r : q;
    switch (id) {
      case BUF.HTTP_METHOD: return q ? this.method : null;
      case BUF.HTTP_URI: return q ? this.uri : null;
      case BUF.HTTP_URI_RAW: return q ? this.uriRaw : null;
      case BUF.HTTP_PROTOCOL: return dir === TO_CLIENT ? (r ? this.respProtocol : null) : q && this.protocol.length ? this.protocol : null;
      case BUF.HTTP_REQUEST_LINE: return q ? q.line : null;
      case BUF.HTTP_HOST: return q && this.hostRaw ? this.host : null;
      case BUF.HTTP_HOST_RAW: return q ? this.hostRaw : null;
      case BUF.HTTP_USER_AGENT: return header(q, 'user-agent');
      case BUF.HTTP_COOKIE: return dir === TO_CLIENT ? header(r, 'set-cookie') : header(q, 'cookie');
      case BUF.HTTP_REFERER: return header(q, 'referer');
      case BUF.HTTP_ACCEPT: return header(q, 'accept');
      case BUF.HTTP_ACCEPT_ENC: return header(q, 'accept-encoding');
      case BUF.HTTP_ACCEPT_LANG: return header(q, 'accept-language');
      case BUF.HTTP_CONNECTION: return header(side, 'connection');
      case BUF.HTTP_CONTENT_TYPE: return header(side, 'content-type');
      case BUF.HTTP_CONTENT_LEN: return header(side, 'content-length');
      case BUF.HTTP_HEADER: return side ? joinHeaders(side) : null;
      case BUF.HTTP_HEADER_RAW: return side ? side.raw : null;
      case BUF.HTTP_HEADER_NAMES: return side ? headerNames(side) : null;
      case BUF.HTTP_START: return side ? side.start : null;
      case BUF.HTTP_REQUEST_BODY: return this.reqBody.stored ? this.reqBody.bytes() : null;
      case BUF.HTTP_STAT_CODE: return r ? this.statCode : null;
      case BUF.HTTP_STAT_MSG: return r ? this.statMsg : null;
      case BUF.HTTP_RESPONSE_LINE: return r ? r.line : null;
      case BUF.HTTP_SERVER: return header(r, 'server');
      case BUF.HTTP_LOCATION: return header(r, 'location');
      case BUF.HTTP_RESPONSE_BODY: { const b = this.responseBody(); return b.length ? b : null; }
      case BUF.FILE_NAME: return this.fileName(dir === TO_CLIENT ? TO_CLIENT : TO_SERVER);
      case BUF.FILE_DATA:
        if (dir === TO_SERVER) return this.reqBody.stored ? this.reqBody.bytes() : null;
        { const b = this.responseBody(); return b.length ? b : null; }
      default: return null;
    }
  }

  /**
   * Both sides are inspected: drop the computed buffers (joined headers, header names, ...).
   * The transaction stays listed for a while (KEEP) and a later lookup recomputes them.
   */
  release(): void {
    this.cache.clear();
  }

  num(name: string, _i = 0, dir = 0): number {
    // filesize (rules/keywords/filesize.ts): 'filesize' only on a complete file,
    // 'filesize.gt' (> / >= checks) also on a truncated one (Suricata DetectFilesizeMatch).
    if (name === 'filesize' || name === 'filesize.gt') return this.fileSize(dir === TO_CLIENT ? TO_CLIENT : TO_SERVER, name === 'filesize.gt');
    if (name === 'urilen') return this.req ? this.uri.length : NaN;
    if (name === 'urilen.raw') return this.req ? this.uriRaw.length : NaN;
    if (name === 'stat_code') return this.status();
    return NaN;
  }

  eve(): Record<string, unknown> {
    const s = (b: Uint8Array | null): string | undefined => (b && b.length ? latin1(b) : undefined);
    const status = this.status();
    return {
      hostname: s(this.host), url: s(this.uriRaw), http_user_agent: s(header(this.req, 'user-agent')),
      http_content_type: s(header(this.resp, 'content-type')), http_refer: s(header(this.req, 'referer')),
      http_method: s(this.method), protocol: s(this.protocol), status: status >= 0 ? status : undefined,
      length: this.respBody.total,
    };
  }
}

/** Per-flow HTTP state: one request and one response parser, transactions in order. */
export class HttpState {
  readonly txs: HttpTx[] = [];
  private nextId = 0;
  /** Index of the transaction the next response belongs to. */
  private respIdx = 0;
  private curReq: HttpTx | null = null;
  private curResp: HttpTx | null = null;
  readonly request: HttpHalf;
  readonly response: HttpHalf;
  /** Transactions fully done and inspected are dropped from the front beyond this many. */
  private static readonly KEEP = 8;
  /**
   * A `101` with `Upgrade: h2c` asks the app layer to change the flow to HTTP/2; false means
   * the change was refused (another change, e.g. SMTP STARTTLS, still in progress) and the
   * transaction gets http.failed_protocol_change (Suricata HTPHandleResponseData).
   */
  onUpgrade: (() => boolean) | null = null;
  /** Transactions created for a response without a request (not yet inspected to server). */
  private readonly standIns = new WeakSet<HttpTx>();

  constructor(private readonly sink: TxSink, private readonly cfg: HttpConfig = DEFAULT_HTTP_CONFIG) {
    const self = this;
    const reqSink: MessageSink = {
      headers(h) { return self.onRequest(h); },
      body(d, o, n) { self.curReq?.reqBody.add(d, o, n); },
      done() { const t = self.curReq; if (t) { self.curReq = null; t.progress |= TO_SERVER; self.sink(t, TO_SERVER); self.gc(); } },
      event(n) { (self.curReq ?? self.txs[self.txs.length - 1])?.events.push(n); },
    };
    const respSink: MessageSink = {
      headers(h) { return self.onResponse(h); },
      body(d, o, n) { self.curResp?.respBody.add(d, o, n); },
      done() {
        const t = self.curResp;
        if (!t) return;
        self.curResp = null;
        // libhtp completes the request side of a stand-in transaction with the response:
        // its to-server side is inspected then, with the response's events (Suricata).
        if (self.standIns.delete(t)) self.sink(t, TO_SERVER);
        t.progress |= TO_CLIENT; self.sink(t, TO_CLIENT); t.release(); self.gc();
      },
      event(n) { (self.curResp ?? self.txs[self.txs.length - 1])?.events.push(n); },
    };
    this.request = new HttpHalf(reqSink, true);
    this.response = new HttpHalf(respSink);
  }

  private gc(): void {
    while (this.txs.length > HttpState.KEEP && this.txs[0].progress === (TO_SERVER | TO_CLIENT)) { this.txs.shift(); this.respIdx--; }
  }

  private onRequest(h: HeaderBlock): number {
    const t = new HttpTx(this.nextId++, this.cfg);
    t.req = h;
    const [m, u, p] = splitFirst(h.line);
    // Views of the header block's one copy (parser.ts parseHeaderBlock), which the transaction keeps anyway.
    t.method = m; t.uriRaw = u; t.protocol = p;
    if (!t.protocol.length) t.events.push('http.missing_protocol');
    headerEvents(h, t, 'request');
    const auth = header(h, 'authorization');
    if (auth !== null && !knownAuth(auth)) t.events.push('http.request_auth_unrecognized');
    const host = header(h, 'host');
    const n = normalizeUri(t.uriRaw, this.cfg.doubleDecodePath, this.cfg.doubleDecodeQuery);
    if (n.doubleEncoded) t.events.push('http.double_encoded_uri');
    t.uri = n.uri;
    t.pathLen = n.pathLen;
    t.hostRaw = host ?? n.host;
    if (t.hostRaw) t.host = normalizeHost(t.hostRaw);
    this.txs.push(t);
    this.curReq = t;
    const te = header(h, 'transfer-encoding');
    if (te && /chunked/i.test(latin1(te))) return -2;
    const cl = firstHeader(h, 'content-length');
    if (cl) {
      const v = parseLen(cl);
      if (v < 0) { t.events.push('http.invalid_content_length'); return -1; }
      if (cl.includes(44)) t.events.push('http.multiple_content_length');
      return v;
    }
    return -1;
  }

  private onResponse(h: HeaderBlock): number {
    const [p, code, msg] = splitStatus(h.line);
    // Interim 1xx responses (100 Continue) do not end a transaction.
    if (code.length === 3 && code[0] === 49 && !(code[1] === 48 && code[2] === 49)) { this.curResp = null; return -1; }
    let t = this.txs[this.respIdx];
    if (!t) {
      // Response without a request (midstream pickup or request lost).
      t = new HttpTx(this.nextId++, this.cfg);
      t.events.push('http.unable_to_match_response_to_request');
      t.progress |= TO_SERVER;
      this.txs.push(t);
      this.standIns.add(t);
    }
    this.respIdx++;
    t.resp = h;
    t.respProtocol = p; t.statCode = code; t.statMsg = msg;
    this.curResp = t;
    headerEvents(h, t, 'response');
    const ce = this.cfg.decompressLayerLimit > 0 ? header(h, 'content-encoding') : null;
    if (ce !== null && encodingLayers(ce) > this.cfg.decompressLayerLimit) t.events.push('http.too_many_encoding_layers');
    const status = t.status();
    const method = latin1(t.method).toUpperCase();
    if (method === 'HEAD' || status === 204 || status === 304) return -1;
    if (method === 'CONNECT' && status >= 200 && status < 300) return -4;
    if (status === 101) {
      const up = header(h, 'upgrade');
      if (up !== null && up.length === 3 && up[0] === 104 && up[1] === 50 && up[2] === 99 && this.onUpgrade !== null && !this.onUpgrade()) t.events.push('http.failed_protocol_change');
      return -4;
    }
    const te = header(h, 'transfer-encoding');
    if (te && /chunked/i.test(latin1(te))) return -2;
    const cl = firstHeader(h, 'content-length');
    if (cl) {
      const v = parseLen(cl);
      if (v >= 0) return v;
      t.events.push('http.invalid_content_length');
    }
    return -3;
  }

  /** TCP close of one direction. */
  close(toServer: boolean): void {
    if (toServer) this.request.close(); else this.response.close();
  }
}

function splitStatus(line: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  let a = 0;
  while (a < line.length && line[a] !== 32) a++;
  let b = a;
  while (b < line.length && line[b] === 32) b++;
  let c = b;
  while (c < line.length && line[c] !== 32) c++;
  let d = c;
  while (d < line.length && line[d] === 32) d++;
  return [line.subarray(0, a), line.subarray(b, c), line.subarray(d)];
}

/** Content-Length value; a list of equal values ("10, 10") is accepted as libhtp does. */
function parseLen(v: Uint8Array): number {
  let val = -1, cur = -1;
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v[i] : 44;
    if (c >= 48 && c <= 57) { cur = (cur < 0 ? 0 : cur) * 10 + c - 48; if (cur > 2 ** 52) return -1; continue; }
    if (c === 32 || c === 9) continue;
    if (c !== 44) return -1;
    if (cur < 0) return -1;
    if (val >= 0 && val !== cur) return -1;
    val = cur; cur = -1;
  }
  return val;
}

/** http.host: lower case, without port and trailing dot (libhtp's normalized hostname). */
function normalizeHost(h: Uint8Array): Uint8Array {
  let s = latin1(h).trim().toLowerCase();
  if (s.startsWith('[')) { const e = s.indexOf(']'); if (e > 0) s = s.slice(0, e + 1); }
  else { const c = s.lastIndexOf(':'); if (c >= 0 && /^\d*$/.test(s.slice(c + 1))) s = s.slice(0, c); }
  if (s.endsWith('.')) s = s.slice(0, -1);
  return ascii(s);
}

/** The first value of a header (libhtp keeps the first Content-Length of repeated ones). */
function firstHeader(h: HeaderBlock, lname: string): Uint8Array | null {
  for (let i = 0; i < h.names.length; i++) if (h.names[i].toLowerCase() === lname) return h.values[i];
  return null;
}

/**
 * Header repetition events, once per header block as libhtp logs them: the second
 * occurrence of a name raises http.<side>_header_repetition; a repeated Content-Length whose
 * value differs from (or, like it, fails to parse as) the first raises
 * http.duplicate_content_length_field_in_<side> (libhtp: "Ambiguous request C-L value").
 */
function headerEvents(h: HeaderBlock, t: HttpTx, side: 'request' | 'response'): void {
  const n = h.names.length;
  if (n < 2) return;
  let rep = false, dupCl = false, firstCl = -2;
  // Lower-cased once per block: a request has ~10 headers, so the pairwise scan is ~50 string compares.
  const lower = h.names.map((x) => x.toLowerCase());
  for (let i = 0; i < n; i++) {
    const li = lower[i];
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = lower[j] === li;
    if (li === 'content-length') {
      const v = parseLen(h.values[i]);
      if (firstCl === -2) firstCl = v;
      else if (v < 0 || firstCl < 0 || v !== firstCl) dupCl = true;
    }
    if (seen) rep = true;
  }
  if (rep) t.events.push(`http.${side}_header_repetition`);
  if (dupCl) t.events.push(`http.duplicate_content_length_field_in_${side}`);
}

/** Authorization schemes libhtp parses (htp_parse_authorization): Basic, Digest, Bearer. */
function knownAuth(v: Uint8Array): boolean {
  let i = 0;
  while (i < v.length && (v[i] === 32 || v[i] === 9)) i++;
  const is = (w: string): boolean => {
    if (v.length - i < w.length) return false;
    for (let k = 0; k < w.length; k++) if ((v[i + k] | 0x20) !== w.charCodeAt(k)) return false;
    return true;
  };
  return is('basic') || is('digest') || is('bearer');
}

/** Content-Encoding tokens (libhtp counts every listed coding as a layer, identity included). */
function encodingLayers(v: Uint8Array): number {
  let n = 0, inTok = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    const sep = c === 44 || c === 32 || c === 9;
    if (!sep && !inTok) n++;
    inTok = !sep;
  }
  return n;
}

/** filename= of a Content-Disposition value (quotes removed), or null. */
function dispositionFilename(v: Uint8Array): Uint8Array | null {
  const s = latin1(v);
  const m = /(?:^|[;\s])filename\s*=\s*("([^"]*)"|[^;\s]*)/i.exec(s);
  if (!m) return null;
  const name = m[2] ?? m[1];
  return name.length ? ascii(name) : null;
}

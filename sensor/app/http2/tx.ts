/**
 * One HTTP/2 transaction (a stream, or one stream-0 frame) and the sticky buffers Suricata
 * derives from it (rust/src/http2/detect.rs): http.uri / http.uri.raw = the first :path,
 * http.method = :method, http.host.raw = :authority values joined by ", ", http.host = that
 * lower-cased up to the first ':', http.stat_code = :status, http.header = "name: value\r\n"
 * per header of the side (values trimmed, cookie / set-cookie left out), http.header.raw =
 * all headers untrimmed, http.header_names = CRLF + each name + CRLF + CRLF,
 * http.request_header / http.response_header / http2.header = one "name: value" instance per
 * header with ':' doubled (http2_escape_header), file_data = the DATA payload of the side
 * (gzip/deflate content-encoding decoded, as Suricata's http2 decompression).
 * Frame facts for the http2.* keywords are kept per direction (bounded lists).
 */
import { gunzipSync, inflateRawSync, inflateSync, constants as zc } from 'node:zlib';
import { AppProto, BUF, TO_CLIENT, TO_SERVER, ascii, latin1, TxMarks, type AppTx } from '../types.js';
import type { HeaderList } from './hpack.js';

/** Frame-fact kinds kept per direction. */
export const enum NK { PRIORITY = 0, WINDOW = 1, ERRORCODE = 2, SIZE_UPDATE = 3 }
/** Entries kept per list (a flood of WINDOW_UPDATE frames on one stream stays bounded). */
const LIST_MAX = 64;
/** Headers kept per direction of a transaction. */
const HEADERS_MAX = 1024;
const DECOMP_LIMIT = 1 << 20;

const PROTO_H2 = ascii('HTTP/2');

const FRAME_TYPE_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];

class Side {
  /** Bit per frame type 0..9 seen in this direction (http2.frametype). */
  types = 0;
  names: Uint8Array[] = [];
  values: Uint8Array[] = [];
  nums: number[][] = [[], [], [], []];
  /** SETTINGS pairs flat: id, value, id, value ... */
  settings: number[] = [];
  parts: Uint8Array[] = [];
  stored = 0;
  total = 0;
  decoded: Uint8Array | null = null;
}

function lower(s: Uint8Array): string {
  let o = '';
  for (let i = 0; i < s.length; i++) { const c = s[i]; o += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c); }
  return o;
}

function isName(a: Uint8Array, lname: string): boolean {
  if (a.length !== lname.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== lname.charCodeAt(i)) return false;
  return true;
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const o = new Uint8Array(n);
  let p = 0;
  for (const x of parts) { o.set(x, p); p += x.length; }
  return o;
}

export class Http2Tx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.HTTP2;
  progress = 0;
  events: string[] = [];
  /** A stream-0 frame's transaction (Suricata's global tx). */
  global = false;
  /** Stream 1 made from an HTTP/1 request by an h2c upgrade. */
  h1 = false;
  private readonly sides = [new Side(), new Side()];
  private readonly cache = new Map<number, Uint8Array | null>();

  constructor(readonly id: number, readonly stream: number, private readonly bodyLimit: number) {}

  private side(dir: number): Side { return this.sides[dir === TO_CLIENT ? 1 : 0]; }

  frame(dir: number, type: number): void { this.side(dir).types |= 1 << type; }

  addNum(kind: NK, dir: number, v: number): void {
    const l = this.side(dir).nums[kind];
    if (l.length < LIST_MAX) l.push(v);
  }

  addSetting(dir: number, id: number, v: number): void {
    const s = this.side(dir).settings;
    if (s.length < LIST_MAX * 2) s.push(id, v);
  }

  addHeaders(dir: number, L: HeaderList, _type: number): void {
    const s = this.side(dir);
    for (let i = 0; i < L.names.length && s.names.length < HEADERS_MAX; i++) { s.names.push(L.names[i]); s.values.push(L.values[i]); }
    for (const u of L.sizeUpdates) this.addNum(NK.SIZE_UPDATE, dir, u);
    this.cache.clear();
  }

  body(dir: number, b: Uint8Array, off: number, len: number): void {
    const s = this.side(dir);
    s.total += len;
    const take = Math.min(len, this.bodyLimit - s.stored);
    if (take > 0) { s.parts.push(b.slice(off, off + take)); s.stored += take; s.decoded = null; this.cache.clear(); }
  }

  /** Headers of one side as [name, value] latin1 strings (tests, EVE). */
  headers(dir: number): Array<[string, string]> {
    const s = this.side(dir);
    return s.names.map((n, i) => [latin1(n), latin1(s.values[i])]);
  }

  /** First value of a header (exact lower-case name) on one side. */
  first(dir: number, lname: string): Uint8Array | null {
    const s = this.side(dir);
    for (let i = 0; i < s.names.length; i++) if (isName(s.names[i], lname)) return s.values[i];
    return null;
  }

  /** All values of a header joined with ", " (http2_frames_get_header_value). */
  joined(dir: number, lname: string): Uint8Array | null {
    const s = this.side(dir);
    let out: Uint8Array | null = null;
    for (let i = 0; i < s.names.length; i++) {
      if (!isName(s.names[i], lname)) continue;
      const v = s.values[i];
      if (out === null) { out = v; continue; }
      const j: Uint8Array = new Uint8Array(out.length + 2 + v.length);
      j.set(out); j[out.length] = 44; j[out.length + 1] = 32; j.set(v, out.length + 2);
      out = j;
    }
    return out;
  }

  private bodyOf(dir: number): Uint8Array | null {
    const s = this.side(dir);
    if (s.stored === 0) return null;
    if (s.decoded) return s.decoded;
    const raw = concat(s.parts, s.stored);
    s.parts = [raw];
    let out = raw;
    const enc = this.first(dir, 'content-encoding');
    const e = enc ? lower(enc).trim() : '';
    if (e === 'gzip' || e === 'deflate') {
      const opts = { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: DECOMP_LIMIT };
      try {
        out = e === 'deflate' ? ((raw[0] & 0x0f) === 8 ? inflateSync(raw, opts) : inflateRawSync(raw, opts)) : gunzipSync(raw, opts);
      } catch {
        if (!this.events.includes('http2.failed_decompression')) this.events.push('http2.failed_decompression');
        out = raw;
      }
    }
    s.decoded = out;
    return out;
  }

  buffer(id: number, i: number, dir = 0): Uint8Array | null {
    const d = dir === TO_CLIENT ? TO_CLIENT : TO_SERVER;
    if (id === BUF.HTTP_REQUEST_HEADER || id === BUF.HTTP_RESPONSE_HEADER || id === BUF.HTTP2_HEADER) {
      const s = this.side(id === BUF.HTTP_REQUEST_HEADER ? TO_SERVER : id === BUF.HTTP_RESPONSE_HEADER ? TO_CLIENT : d);
      return i < s.names.length ? escapeHeader(s.names[i], s.values[i]) : null;
    }
    if (id === BUF.HTTP2_HEADER_NAME) {
      const s = this.side(d);
      return i < s.names.length ? s.names[i] : null;
    }
    if (i !== 0) return null;
    const key = id * 4 + d;
    const c = this.cache.get(key);
    if (c !== undefined) return c;
    const v = this.compute(id, d);
    this.cache.set(key, v);
    return v;
  }

  private compute(id: number, d: number): Uint8Array | null {
    switch (id) {
      case BUF.HTTP_URI: case BUF.HTTP_URI_RAW: return this.first(TO_SERVER, ':path');
      case BUF.HTTP_METHOD: return this.first(TO_SERVER, ':method');
      case BUF.HTTP_HOST_RAW: return this.joined(TO_SERVER, ':authority');
      case BUF.HTTP_HOST: {
        const v = this.joined(TO_SERVER, ':authority');
        if (v === null) return null;
        let e = v.indexOf(58);
        if (e < 0) e = v.length;
        const o = v.slice(0, e);
        for (let k = 0; k < o.length; k++) if (o[k] >= 65 && o[k] <= 90) o[k] += 32;
        return o;
      }
      case BUF.HTTP_USER_AGENT: return this.joined(TO_SERVER, 'user-agent');
      case BUF.HTTP_COOKIE: return d === TO_CLIENT ? this.joined(TO_CLIENT, 'set-cookie') : this.joined(TO_SERVER, 'cookie');
      case BUF.HTTP_STAT_CODE: return this.first(TO_CLIENT, ':status');
      case BUF.HTTP_PROTOCOL: return this.side(d).names.length ? PROTO_H2 : null;
      case BUF.HTTP_REFERER: return this.joined(TO_SERVER, 'referer');
      case BUF.HTTP_ACCEPT: return this.joined(TO_SERVER, 'accept');
      case BUF.HTTP_ACCEPT_ENC: return this.joined(TO_SERVER, 'accept-encoding');
      case BUF.HTTP_ACCEPT_LANG: return this.joined(TO_SERVER, 'accept-language');
      case BUF.HTTP_CONNECTION: return this.joined(d, 'connection');
      case BUF.HTTP_CONTENT_TYPE: return this.joined(d, 'content-type');
      case BUF.HTTP_CONTENT_LEN: return this.joined(d, 'content-length');
      case BUF.HTTP_SERVER: return this.joined(TO_CLIENT, 'server');
      case BUF.HTTP_LOCATION: return this.joined(TO_CLIENT, 'location');
      case BUF.HTTP_HEADER: return this.headerBuf(d, true);
      case BUF.HTTP_HEADER_RAW: return this.headerBuf(d, false);
      case BUF.HTTP_HEADER_NAMES: {
        const s = this.side(d);
        if (!s.names.length) return null;
        let n = 4;
        for (const x of s.names) n += x.length + 2;
        const o = new Uint8Array(n);
        let p = 2;
        o[0] = 13; o[1] = 10;
        for (const x of s.names) { o.set(x, p); p += x.length; o[p++] = 13; o[p++] = 10; }
        o[p++] = 13; o[p] = 10;
        return o;
      }
      case BUF.HTTP_REQUEST_BODY: return this.bodyOf(TO_SERVER);
      case BUF.HTTP_RESPONSE_BODY: return this.bodyOf(TO_CLIENT);
      case BUF.FILE_DATA: return this.bodyOf(d);
      default: return null;
    }
  }

  /** http.header (trimmed, no cookie of the side) or http.header.raw (all, as received). */
  private headerBuf(d: number, normalized: boolean): Uint8Array | null {
    const s = this.side(d);
    const cookie = d === TO_CLIENT ? 'set-cookie' : 'cookie';
    let n = 0;
    const keep: number[] = [];
    for (let i = 0; i < s.names.length; i++) {
      if (normalized && lower(s.names[i]) === cookie) continue;
      keep.push(i);
      n += s.names[i].length + s.values[i].length + 4;
    }
    if (n === 0) return null;
    const o = new Uint8Array(n);
    let p = 0;
    for (const i of keep) {
      const v = s.values[i];
      let a = 0, e = v.length;
      if (normalized) { while (a < e && (v[a] === 32 || v[a] === 9)) a++; while (e > a && (v[e - 1] === 32 || v[e - 1] === 9)) e--; }
      o.set(s.names[i], p); p += s.names[i].length;
      o[p++] = 58; o[p++] = 32;
      o.set(v.subarray(a, e), p); p += e - a;
      o[p++] = 13; o[p++] = 10;
    }
    return o.subarray(0, p);
  }

  num(name: string, i: number, dir = 0): number {
    const d = dir === TO_CLIENT ? TO_CLIENT : TO_SERVER;
    switch (name) {
      case 'urilen': case 'urilen.raw': { if (i !== 0) return NaN; const p = this.first(TO_SERVER, ':path'); return p ? p.length : NaN; }
      case 'stat_code': {
        if (i !== 0) return NaN;
        const s = this.first(TO_CLIENT, ':status');
        if (!s || !s.length) return NaN;
        let v = 0;
        for (const c of s) { if (c < 48 || c > 57) return NaN; v = v * 10 + c - 48; }
        return v;
      }
      case 'http2.frametype': {
        // The i-th frame type present on the side.
        const t = this.side(d).types;
        let k = 0;
        for (let b = 0; b < 10; b++) if (t & (1 << b)) { if (k === i) return b; k++; }
        return NaN;
      }
      case 'http2.priority': return this.side(d).nums[NK.PRIORITY][i] ?? NaN;
      case 'http2.window': return this.side(d).nums[NK.WINDOW][i] ?? NaN;
      case 'http2.errorcode': return this.side(d).nums[NK.ERRORCODE][i] ?? NaN;
      case 'http2.size_update': return this.side(d).nums[NK.SIZE_UPDATE][i] ?? NaN;
      default:
        if (name.startsWith('http2.settings.')) {
          // http2.settings:<ID>[<op><value>]: the i-th value of that setting id on the side.
          const want = Number(name.slice(15));
          const s = this.side(d).settings;
          let k = 0;
          for (let j = 0; j < s.length; j += 2) if (s[j] === want) { if (k === i) return s[j + 1]; k++; }
        }
        return NaN;
    }
  }

  /** EVE: Suricata logs HTTP/2 under "http" with the request fields and an http2 sub-object. */
  eve(): Record<string, unknown> {
    const s = (b: Uint8Array | null): string | undefined => (b && b.length ? latin1(b) : undefined);
    const st = this.num('stat_code', 0);
    const hdrs = (dir: number): Array<{ name: string; value: string }> => this.headers(dir).map(([name, value]) => ({ name, value }));
    const out: Record<string, unknown> = {
      hostname: s(this.buffer(BUF.HTTP_HOST, 0, TO_SERVER)), url: s(this.first(TO_SERVER, ':path')),
      http_user_agent: s(this.joined(TO_SERVER, 'user-agent')), http_content_type: s(this.joined(TO_CLIENT, 'content-type')),
      http_method: s(this.first(TO_SERVER, ':method')), protocol: 'HTTP/2', status: Number.isNaN(st) ? undefined : st,
      length: this.sides[1].total,
      request_headers: hdrs(TO_SERVER), response_headers: hdrs(TO_CLIENT),
      http2: { stream_id: this.stream, request: this.frameEve(TO_SERVER), response: this.frameEve(TO_CLIENT) },
    };
    if (this.global) delete out.protocol;
    return out;
  }

  private frameEve(dir: number): Record<string, unknown> {
    const s = this.side(dir), o: Record<string, unknown> = {};
    const types = FRAME_TYPE_NAMES.filter((_, b) => s.types & (1 << b));
    if (types.length) o.frames = types;
    if (s.settings.length) {
      const l: Array<{ settings_id: number; settings_value: number }> = [];
      for (let j = 0; j < s.settings.length; j += 2) l.push({ settings_id: s.settings[j], settings_value: s.settings[j + 1] });
      o.settings = l;
    }
    if (s.nums[NK.ERRORCODE].length) o.error_code = s.nums[NK.ERRORCODE][0];
    if (s.nums[NK.PRIORITY].length) o.priority = s.nums[NK.PRIORITY][0];
    if (s.nums[NK.WINDOW].length) o.window = s.nums[NK.WINDOW][0];
    return o;
  }
}

/** "name: value" with ':' doubled in both (Suricata http2_escape_header). */
function escapeHeader(n: Uint8Array, v: Uint8Array): Uint8Array {
  let extra = 0;
  for (const c of n) if (c === 58) extra++;
  for (const c of v) if (c === 58) extra++;
  const o = new Uint8Array(n.length + v.length + 2 + extra);
  let p = 0;
  for (const c of n) { o[p++] = c; if (c === 58) o[p++] = 58; }
  o[p++] = 58; o[p++] = 32;
  for (const c of v) { o[p++] = c; if (c === 58) o[p++] = 58; }
  return o;
}

export { FRAME_TYPE_NAMES };

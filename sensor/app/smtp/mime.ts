/**
 * MIME decoding of one mail (RFC 2045-2047, 2183, 2231), run once when an SMTP transaction
 * completes over the stored message (≤ smtp/state.ts BODY_LIMIT bytes): headers unfolded,
 * multipart bodies split at their boundary lines (nested up to MAX_DEPTH), each leaf part
 * decoded from base64 / quoted-printable. A part is a file — Suricata's CTNT_IS_ATTACHMENT —
 * when it has Content-Disposition: attachment, a filename= (or RFC 2231 filename*=) or a
 * Content-Type name=; files are the transaction's file.data / file.name instances.
 * Events use Suricata's names (smtp.mime_invalid_base64, smtp.mime_long_line, ...).
 */
import { latin1, lfIndex } from '../types.js';

export interface MimeFile {
  name: Uint8Array | null;
  data: Uint8Array;
}

const MAX_DEPTH = 8;
/** Bytes of a decoded file kept for file.data (Suricata smtp inspected-tracker content-limit default). */
export const FILE_LIMIT = 100000;
const MAX_FILES = 64;
/** RFC 5322 2.1.1 line limit 998 (Suricata MAX_LINE_LEN, smtp.mime_long_line). */
const MAX_MIME_LINE = 998;
/** Suricata MAX_ENC_LINE_LEN: an encoded (base64) line longer than 76 raises smtp.mime_long_enc_line. */
const MAX_ENC_LINE = 76;
/** Suricata BOUNDARY_BUF: 256 - 2. */
const MAX_BOUNDARY = 254;

interface Headers { names: string[]; values: string[] }

interface Ctx { files: MimeFile[]; events: Set<string> }

export function decodeMime(msg: Uint8Array): { files: MimeFile[]; events: string[] } {
  const ctx: Ctx = { files: [], events: new Set() };
  entity(msg, 0, msg.length, 0, ctx);
  return { files: ctx.files, events: [...ctx.events] };
}

/** Index just past the next LF at or after p (or end). */
function nextLine(b: Uint8Array, p: number, end: number): number {
  const nl = lfIndex(b, p, end);
  return nl < 0 ? end : nl + 1;
}

function lineEnd(b: Uint8Array, s: number, n: number): number {
  let e = n;
  if (e > s && b[e - 1] === 10) e--;
  if (e > s && b[e - 1] === 13) e--;
  return e;
}

/** Header block from off: returns the headers and where the body starts. */
function headers(b: Uint8Array, off: number, end: number, ctx: Ctx): { h: Headers; body: number } {
  const h: Headers = { names: [], values: [] };
  let p = off;
  while (p < end) {
    const n = nextLine(b, p, end);
    const e = lineEnd(b, p, n);
    if (e === p) return { h, body: n };
    if (e - p > MAX_MIME_LINE) ctx.events.add('smtp.mime_long_line');
    if ((b[p] === 32 || b[p] === 9) && h.values.length) h.values[h.values.length - 1] += ' ' + latin1(b, p, e).trim();
    else {
      const colon = b.indexOf(58, p);
      if (colon > p && colon < e) { h.names.push(latin1(b, p, colon).trim().toLowerCase()); h.values.push(latin1(b, colon + 1, e).trim()); }
      else if (h.names.length === 0) return { h, body: p }; // no header block: all body
    }
    p = n;
  }
  return { h, body: end };
}

function get(h: Headers, name: string): string {
  const i = h.names.indexOf(name);
  return i < 0 ? '' : h.values[i];
}

/** A parameter of a structured header value, with RFC 2231 continuations/charset decoded. */
export function headerParam(v: string, name: string): string | null {
  const parts: string[] = [];
  let plain: string | null = null;
  const re = /;\s*([A-Za-z0-9_.*-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/g;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) {
    const k = m[1].toLowerCase();
    const val = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2].trim();
    if (k === name) plain = val;
    else if (k.startsWith(name + '*')) {
      // name*=charset'lang'pct-encoded, name*0=..., name*1*=...
      const rest = k.slice(name.length + 1);
      const idx = rest === '' ? 0 : parseInt(rest, 10);
      const enc = rest === '' || rest.endsWith('*');
      let s = val;
      if (enc) {
        if (idx === 0) { const q = s.indexOf("'"), q2 = q < 0 ? -1 : s.indexOf("'", q + 1); if (q2 >= 0) s = s.slice(q2 + 1); }
        s = s.replace(/%([0-9A-Fa-f]{2})/g, (_x, hh: string) => String.fromCharCode(parseInt(hh, 16)));
      }
      if (!Number.isNaN(idx) && idx < 64) parts[idx] = s;
    }
  }
  if (parts.length) return parts.join('');
  return plain;
}

function entity(b: Uint8Array, off: number, end: number, depth: number, ctx: Ctx): void {
  const { h, body } = headers(b, off, end, ctx);
  const ct = get(h, 'content-type');
  const ctl = ct.toLowerCase();
  if (ctl.startsWith('multipart/') && depth < MAX_DEPTH) {
    const bd = headerParam(ct, 'boundary');
    if (bd) {
      if (bd.length > MAX_BOUNDARY) ctx.events.add('smtp.mime_long_boundary');
      multipart(b, body, end, bd, depth, ctx);
      return;
    }
    ctx.events.add('smtp.mime_parse_failed');
  }
  if (ctl.startsWith('message/rfc822') && depth < MAX_DEPTH) { entity(b, body, end, depth + 1, ctx); return; }
  const cd = get(h, 'content-disposition');
  let name = cd ? headerParam(cd, 'filename') : null;
  if (name === null && ct) name = headerParam(ct, 'name');
  const attachment = name !== null || cd.toLowerCase().startsWith('attachment');
  if (!attachment || ctx.files.length >= MAX_FILES) return;
  const cte = get(h, 'content-transfer-encoding').toLowerCase();
  const data = cte === 'base64' ? base64(b, body, end, ctx) : cte === 'quoted-printable' ? qp(b, body, end, ctx) : b.slice(body, end);
  ctx.files.push({ name: name !== null ? Buffer.from(name, 'latin1') : null, data: data.length > FILE_LIMIT ? data.slice(0, FILE_LIMIT) : data });
}

function multipart(b: Uint8Array, off: number, end: number, bd: string, depth: number, ctx: Ctx): void {
  const delim = Buffer.from('--' + bd, 'latin1');
  let p = off, partStart = -1;
  while (p < end) {
    const n = nextLine(b, p, end);
    const e = lineEnd(b, p, n);
    if (e - p >= delim.length && b[p] === 45 && b[p + 1] === 45 && Buffer.from(b.buffer, b.byteOffset + p, delim.length).equals(delim)) {
      if (partStart >= 0) {
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
        let pe = p;
        if (pe > partStart && b[pe - 1] === 10) pe--;
        if (pe > partStart && b[pe - 1] === 13) pe--;
        entity(b, partStart, pe, depth + 1, ctx);
      }
      const close = e - p >= delim.length + 2 && b[p + delim.length] === 45 && b[p + delim.length + 1] === 45;
      if (close) return;
      partStart = n;
    }
    p = n;
  }
  // Message cut (content limit) or missing close delimiter: the open part still counts.
  if (partStart >= 0 && partStart < end) entity(b, partStart, end, depth + 1, ctx);
}

const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

function base64(b: Uint8Array, off: number, end: number, ctx: Ctx): Uint8Array {
  const out = new Uint8Array(Math.ceil((end - off) * 3 / 4) + 3);
  let o = 0, acc = 0, bits = 0, lineLen = 0;
  for (let i = off; i < end; i++) {
    const c = b[i];
    if (c === 10) { if (lineLen > MAX_ENC_LINE) ctx.events.add('smtp.mime_long_enc_line'); lineLen = 0; continue; }
    if (c === 13) continue;
    lineLen++;
    if (c === 61) continue; // padding
    const v = B64[c];
    if (v < 0) { if (c !== 32 && c !== 9) ctx.events.add('smtp.mime_invalid_base64'); continue; }
    acc = (acc << 6) | v; bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
  }
  return out.slice(0, o);
}

function hex(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
}

function qp(b: Uint8Array, off: number, end: number, ctx: Ctx): Uint8Array {
  const out = new Uint8Array(end - off);
  let o = 0;
  for (let i = off; i < end; i++) {
    const c = b[i];
    if (c !== 61) { out[o++] = c; continue; }
    // "=" CRLF / "=" LF: soft line break; "=XX": a byte.
    if (i + 1 < end && b[i + 1] === 10) { i++; continue; }
    if (i + 2 < end && b[i + 1] === 13 && b[i + 2] === 10) { i += 2; continue; }
    const h1 = i + 2 < end ? hex(b[i + 1]) : -1, h2 = i + 2 < end ? hex(b[i + 2]) : -1;
    if (h1 < 0 || h2 < 0) { ctx.events.add('smtp.mime_invalid_qp'); out[o++] = c; continue; }
    out[o++] = (h1 << 4) | h2; i += 2;
  }
  return out.slice(0, o);
}

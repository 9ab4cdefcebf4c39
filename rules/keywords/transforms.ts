/**
 * Sticky-buffer transforms (Suricata "transforms"): each rewrites the current buffer before
 * its content/pcre/byte_* matches run, in rule order. Applied per transaction side by
 * rules/detect/app-inspect.ts (transformBuffer below); the packet payload has none.
 * Semantics from Suricata's transform docs: strip_whitespace removes every isspace()
 * byte, compress_whitespace turns each run of them into one space, url_decode decodes %XX
 * and '+', to_lowercase / to_uppercase change ASCII letters, header_lowercase lowercases
 * header names of a header buffer, to_md5 / to_sha1 / to_sha256 replace the buffer with its
 * raw digest.
 */
import { createHash } from 'node:crypto';
import { constants as zc, gunzipSync, inflateSync } from 'node:zlib';
import { docUrl, type Keyword } from './keyword.js';
import { currentList } from './app-buffer.js';
import type { RuleBuilder } from '../builder.js';
import * as p2 from '../../native/pcre2.js';

/** pcrexform patterns by source (transforms are strings in AppList.transforms). */
const PCREXFORM = new Map<string, p2.Pcre2Code>();

/**
 * Adds a transform to the current buffer. After contents of that buffer (Suricata 8:
 * `content:"x"; from_base64; content:"y"`) the transform starts a new instance of the
 * buffer: earlier matches inspect the plain buffer, later ones the transformed one.
 */
export function addTransform(b: RuleBuilder, name: string, spec: string): string | null {
  if (!b.ctx.appLayer) { b.rule.needs.push(name); return null; }
  const l = currentList(b, name);
  if (typeof l === 'string') return l;
  if (l.matches.length === 0) { l.transforms.push(spec); return null; }
  const a = b.rule.app!;
  const derived = { ...l, name: `${l.name}|${a.lists.length}`, matches: [], bsize: null, transforms: [...l.transforms, spec] };
  a.lists.push(derived);
  b.buffer = derived.name;
  b.lastContent = null;
  b.lastPayload = null;
  return null;
}

function parseOpts(v: string | null): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of (v ?? '').split(',')) {
    const t = part.trim();
    if (!t) continue;
    const sp = t.search(/\s/);
    if (sp < 0) m.set(t.toLowerCase(), '');
    else m.set(t.slice(0, sp).toLowerCase(), t.slice(sp + 1).trim());
  }
  return m;
}

const optNum = (v: string | undefined): number => (v === undefined ? 0 : /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : NaN);

export const OPTION_TRANSFORMS: Keyword[] = [
  {
    name: 'from_base64', value: 'optional', description: 'transform: base64-decode the buffer (options bytes, offset, mode strict|rfc4648|rfc2045)',
    url: docUrl('transforms', 'from-base64'),
    parse(v, b) {
      const o = parseOpts(v);
      const bytes = optNum(o.get('bytes')), offset = optNum(o.get('offset')), mode = (o.get('mode') ?? 'rfc4648').toLowerCase();
      if (Number.isNaN(bytes) || Number.isNaN(offset)) return 'from_base64: bytes/offset must be numbers';
      if (!['strict', 'rfc4648', 'rfc2045'].includes(mode)) return `from_base64: unknown mode ${mode}`;
      for (const k of o.keys()) if (!['bytes', 'offset', 'mode'].includes(k)) return `from_base64: unknown option ${k}`;
      return addTransform(b, 'from_base64', `from_base64:${bytes}:${offset}:${mode}`);
    },
  },
  {
    name: 'gunzip', value: 'optional', description: 'transform: gunzip the buffer (option max-size)', url: docUrl('transforms', 'gunzip'),
    parse(v, b) {
      const n = optNum(parseOpts(v).get('max-size'));
      if (Number.isNaN(n)) return 'gunzip: max-size must be a number';
      return addTransform(b, 'gunzip', `gunzip:${n}`);
    },
  },
  {
    name: 'zlib_deflate', value: 'optional', description: 'transform: inflate zlib data in the buffer (option max-size)', url: docUrl('transforms', 'zlib-deflate'),
    parse(v, b) {
      const n = optNum(parseOpts(v).get('max-size'));
      if (Number.isNaN(n)) return 'zlib_deflate: max-size must be a number';
      return addTransform(b, 'zlib_deflate', `zlib_deflate:${n}`);
    },
  },
  {
    name: 'xor', value: 'required', description: 'transform: xor the buffer with a hex key', url: docUrl('transforms', 'xor'),
    parse(v, b) {
      const k = v!.trim().replace(/^"|"$/g, '');
      if (!/^([0-9a-f]{2})+$/i.test(k)) return 'xor: key must be hex bytes';
      return addTransform(b, 'xor', `xor:${k}`);
    },
  },
  {
    name: 'pcrexform', value: 'required', description: 'transform: the first capture group of a regular expression', url: docUrl('transforms', 'pcrexform'),
    parse(v, b) {
      let s = v!.trim();
      if (!s.startsWith('"') || !s.endsWith('"')) return 'pcrexform must be quoted';
      // The value is the bare expression (no /delimiters/ or flags), as in Suricata.
      s = s.slice(1, -1).replace(/\\([";])/g, '$1');
      const key = s;
      if (!PCREXFORM.has(key)) {
        try { PCREXFORM.set(key, p2.compile(Buffer.from(s, 'utf8'), 0)); } catch (e) { return `pcrexform: ${(e as Error).message}`; }
      }
      if (PCREXFORM.get(key)!.ovector.length < 4) return 'pcrexform needs a capture group';
      return addTransform(b, 'pcrexform', `pcrexform:${key}`);
    },
  },
];

const B64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => { B64[c.charCodeAt(0)] = i; });

/** Suricata's from_base64 modes: strict fails on any invalid byte, rfc4648 stops there, rfc2045 skips it. */
function fromBase64(b: Uint8Array, bytes: number, offset: number, mode: string): Uint8Array {
  const start = Math.min(offset, b.length), end = bytes > 0 ? Math.min(b.length, start + bytes) : b.length;
  const o = new Uint8Array(Math.ceil((end - start) * 3 / 4) + 3);
  let n = 0, acc = 0, bits = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 61) break; // '=' padding ends the data
    const v = B64[c];
    if (v < 0) {
      if (mode === 'rfc2045') continue;
      if (mode === 'strict') return new Uint8Array(0);
      break;
    }
    acc = (acc << 6) | v; bits += 6;
    if (bits >= 8) { bits -= 8; o[n++] = (acc >> bits) & 0xff; }
  }
  return o.subarray(0, n);
}

function inflate(b: Uint8Array, gzip: boolean, max: number): Uint8Array {
  // Partial streams decode as far as they go (Z_SYNC_FLUSH); output capped at max-size
  // (Suricata's default 1 MiB when not set).
  const limit = max > 0 ? max : 1 << 20;
  try {
    const out = (gzip ? gunzipSync : inflateSync)(b, { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: Math.max(limit, 1024) });
    return new Uint8Array(out.buffer, out.byteOffset, Math.min(out.length, limit));
  } catch {
    return new Uint8Array(0);
  }
}

export const TRANSFORM_NAMES = ['strip_whitespace', 'compress_whitespace', 'url_decode', 'to_lowercase', 'to_uppercase',
  'header_lowercase', 'to_md5', 'to_sha1', 'to_sha256'] as const;

function transform(name: string, description: string): Keyword {
  return {
    name, value: 'none', description: `transform: ${description}`, url: docUrl('transforms', name.replace(/_/g, '-')),
    parse(_v, b) {
      return addTransform(b, name, name);
    },
  };
}

export const TRANSFORMS: Keyword[] = [
  transform('strip_whitespace', 'remove all whitespace'),
  transform('compress_whitespace', 'replace each run of whitespace with one space'),
  transform('url_decode', 'decode %XX escapes and + in the buffer'),
  transform('to_lowercase', 'lowercase ASCII letters'),
  transform('to_uppercase', 'uppercase ASCII letters'),
  transform('header_lowercase', 'lowercase header names'),
  transform('to_md5', 'replace the buffer with its MD5 digest'),
  transform('to_sha1', 'replace the buffer with its SHA-1 digest'),
  transform('to_sha256', 'replace the buffer with its SHA-256 digest'),
];

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const hexv = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/** Transforms defined in their own keyword file (domain.ts: domain, tld), by name. */
export const EXTRA_TRANSFORMS = new Map<string, (b: Uint8Array) => Uint8Array>();

/** Applies one transform; returns a new buffer (the input is never modified: it is the transaction's). */
export function transformBuffer(t: string, b: Uint8Array): Uint8Array {
  const c = t.indexOf(':');
  if (c > 0) {
    const name = t.slice(0, c), arg = t.slice(c + 1);
    switch (name) {
      case 'from_base64': { const [bytes, offset, mode] = arg.split(':'); return fromBase64(b, Number(bytes), Number(offset), mode); }
      case 'gunzip': return inflate(b, true, Number(arg));
      case 'zlib_deflate': return inflate(b, false, Number(arg));
      case 'xor': {
        const key = Buffer.from(arg, 'hex');
        const o = new Uint8Array(b.length);
        for (let i = 0; i < b.length; i++) o[i] = b[i] ^ key[i % key.length];
        return o;
      }
      case 'pcrexform': {
        const code = PCREXFORM.get(arg);
        if (!code || code.match(b, 0, b.length) <= 0) return new Uint8Array(0);
        const s = code.ovector[2], e = code.ovector[3];
        return e >= s && s !== 0xffffffff ? b.slice(s, e) : new Uint8Array(0);
      }
    }
  }
  switch (t) {
    case 'dotprefix': { const o = new Uint8Array(b.length + 1); o[0] = 46; o.set(b, 1); return o; }
    case 'strip_whitespace': { const o = new Uint8Array(b.length); let n = 0; for (const c of b) if (!isSpace(c)) o[n++] = c; return o.subarray(0, n); }
    case 'compress_whitespace': {
      const o = new Uint8Array(b.length); let n = 0;
      for (let i = 0; i < b.length; i++) {
        if (isSpace(b[i])) { o[n++] = 32; while (i + 1 < b.length && isSpace(b[i + 1])) i++; } else o[n++] = b[i];
      }
      return o.subarray(0, n);
    }
    case 'url_decode': {
      const o = new Uint8Array(b.length); let n = 0;
      for (let i = 0; i < b.length; i++) {
        const c = b[i];
        if (c === 37 && i + 2 < b.length && hexv(b[i + 1]) >= 0 && hexv(b[i + 2]) >= 0) { o[n++] = hexv(b[i + 1]) * 16 + hexv(b[i + 2]); i += 2; }
        else o[n++] = c === 43 ? 32 : c;
      }
      return o.subarray(0, n);
    }
    case 'to_lowercase': return b.map((c) => (c >= 65 && c <= 90 ? c + 32 : c));
    case 'to_uppercase': return b.map((c) => (c >= 97 && c <= 122 ? c - 32 : c));
    case 'header_lowercase': {
      const o = b.slice(); let name = true;
      for (let i = 0; i < o.length; i++) {
        const c = o[i];
        if (c === 10) name = true; else if (c === 58) name = false; else if (name && c >= 65 && c <= 90) o[i] = c + 32;
      }
      return o;
    }
    case 'to_md5': return new Uint8Array(createHash('md5').update(b).digest());
    case 'to_sha1': return new Uint8Array(createHash('sha1').update(b).digest());
    case 'to_sha256': return new Uint8Array(createHash('sha256').update(b).digest());
    default: return EXTRA_TRANSFORMS.get(t)?.(b) ?? b;
  }
}

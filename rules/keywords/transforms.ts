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
import { docUrl, type Keyword } from './keyword.js';
import { currentList } from './app-buffer.js';

export const TRANSFORM_NAMES = ['strip_whitespace', 'compress_whitespace', 'url_decode', 'to_lowercase', 'to_uppercase',
  'header_lowercase', 'to_md5', 'to_sha1', 'to_sha256'] as const;

function transform(name: string, description: string): Keyword {
  return {
    name, value: 'none', description: `transform: ${description}`, url: docUrl('transforms', name.replace(/_/g, '-')),
    parse(_v, b) {
      if (!b.ctx.appLayer) { b.rule.needs.push(name); return null; }
      const l = currentList(b, name);
      if (typeof l === 'string') return l;
      if (l.matches.length) return `${name} must come before the buffer's content`;
      l.transforms.push(name);
      return null;
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

/** Applies one transform; returns a new buffer (the input is never modified: it is the transaction's). */
export function transformBuffer(t: string, b: Uint8Array): Uint8Array {
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
    default: return b;
  }
}

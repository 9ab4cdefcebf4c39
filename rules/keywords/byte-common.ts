/**
 * Options shared by byte_test, byte_jump, byte_extract and byte_math (Suricata
 * detect-bytetest.c / detect-bytejump.c grammar): relative, big/little, string + hex/dec/oct,
 * dce, bitmask N. parseFlag() consumes one option into `c` and says whether it knew it.
 */
import type { ByteCommon } from '../types.js';
import { int } from './keyword.js';

export function newCommon(): ByteCommon {
  return { nbytes: 0, offset: 0, offsetVar: -1, relative: false, endian: 'big', base: 0, dce: false, bitmask: 0 };
}

/** Returns true if `opt` was a shared option (applied to c), a string on error, false if not shared. */
export function parseFlag(opt: string, c: ByteCommon): boolean | string {
  const o = opt.trim();
  switch (o) {
    case 'relative': c.relative = true; return true;
    case 'big': c.endian = 'big'; return true;
    case 'little': c.endian = 'little'; return true;
    case 'dce': c.dce = true; return true;
    case 'string': if (c.base === 0) c.base = 10; return true;
    case 'hex': c.base = 16; return true;
    case 'dec': c.base = 10; return true;
    case 'oct': c.base = 8; return true;
  }
  if (o.startsWith('bitmask')) {
    const v = int(o.slice(7));
    if (v === null || v <= 0 || v > 0xffffffff) return `invalid bitmask "${o}"`;
    c.bitmask = v;
    return true;
  }
  if (o.startsWith('endian ')) {
    const e = o.slice(7).trim();
    if (e === 'big' || e === 'little') { c.endian = e; return true; }
    if (e === 'dce') { c.dce = true; return true; }
    return `invalid endian "${e}"`;
  }
  if (o.startsWith('string ')) {
    const t = o.slice(7).trim();
    c.base = t === 'hex' ? 16 : t === 'dec' ? 10 : t === 'oct' ? 8 : -1;
    if (c.base < 0) return `invalid string type "${t}"`;
    return true;
  }
  return false;
}

/** Validates nbytes for binary (1..8) or string (1..23 per Suricata) conversions. */
export function checkNbytes(c: ByteCommon, kw: string): string | null {
  // byte_test:0,...,string: the whole rest of the buffer is the number (ET Open uses it on
  // http.content_len, 42 rules; Suricata 7 accepts nbytes 0 with string).
  if (kw === 'byte_test' && c.nbytes === 0 && c.base !== 0) return null;
  if (!Number.isInteger(c.nbytes) || c.nbytes < 1) return `${kw}: invalid number of bytes`;
  if (c.base === 0 && c.nbytes > 8) return `${kw}: at most 8 bytes without string`;
  if (c.base !== 0 && c.nbytes > 23) return `${kw}: at most 23 bytes with string`;
  return null;
}

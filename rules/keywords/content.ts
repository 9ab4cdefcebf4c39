import { docUrl, type Keyword } from './keyword.js';
import type { ContentMatch } from '../types.js';

/**
 * Parses a content string: optional leading !, double quotes, |hex| blocks, and the escapes
 * \" \; \\ \: . Returns the bytes and negation, or an error.
 */
export function parseContentString(v: string): { bytes: Uint8Array; negated: boolean } | string {
  let s = v.trim();
  let negated = false;
  if (s.startsWith('!')) { negated = true; s = s.slice(1).trim(); }
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return `content must be quoted: ${v}`;
  s = s.slice(1, -1);
  const out: number[] = [];
  let hex = false, hi = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (hex) {
      if (c === 0x7c) { if (hi >= 0) return 'odd number of hex digits in content'; hex = false; continue; }
      if (c === 0x20) continue;
      const d = hexDigit(c);
      if (d < 0) return `invalid hex character "${s[i]}" in content`;
      if (hi < 0) hi = d; else { out.push(hi * 16 + d); hi = -1; }
      continue;
    }
    if (c === 0x7c) { hex = true; continue; }
    if (c === 0x5c) {
      i++;
      if (i >= s.length) return 'content ends with a backslash';
      const e = s[i];
      if (e !== '"' && e !== ';' && e !== '\\' && e !== ':') return `invalid escape "\\${e}" in content`;
      out.push(e.charCodeAt(0));
      continue;
    }
    if (c === 0x22) return 'unescaped quote in content';
    if (c > 0xff) {
      for (const x of Buffer.from(s[i], 'utf8')) out.push(x);
      continue;
    }
    out.push(c);
  }
  if (hex) return 'unterminated |hex| block in content';
  if (out.length === 0) return 'empty content';
  return { bytes: Uint8Array.from(out), negated };
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export function lowerBytes(b: Uint8Array): Uint8Array {
  const o = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) { const c = b[i]; o[i] = c >= 65 && c <= 90 ? c + 32 : c; }
  return o;
}

/** content:"..."; a byte string to find in the current buffer. */
export const content: Keyword = {
  name: 'content', value: 'required',
  description: 'match on a byte string in the current buffer',
  url: docUrl('payload-keywords', 'content'),
  parse(v, b) {
    const r = parseContentString(v!);
    if (typeof r === 'string') return r;
    const m: ContentMatch = {
      t: 'content', bytes: r.bytes, lower: r.bytes, nocase: false, negated: r.negated,
      offset: 0, depth: 0, distance: 0, within: 0,
      offsetVar: -1, depthVar: -1, distanceVar: -1, withinVar: -1,
      hasOffset: false, hasDepth: false, hasDistance: false, hasWithin: false,
      startswith: false, endswith: false, rawbytes: false,
      fastPattern: false, fastPatternOnly: false, fpChopOff: 0, fpChopLen: 0,
    };
    b.addPayload(m);
    return null;
  },
};

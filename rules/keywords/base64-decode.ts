/**
 * base64_decode[:bytes N][,offset M][,relative] (Suricata detect-base64-decode.c): decodes
 * part of the current buffer (the packet payload or the sticky buffer it follows) for the
 * base64_data list after it. Like Suricata, it joins the list of the previous payload match
 * (`content:"x"; http_header; base64_decode` decodes the header buffer); bytes defaults to
 * 65535 (BASE64_DECODE_MAX).
 */
import type { RuleBuilder } from '../builder.js';
import type { Base64DecodeMatch } from '../types.js';
import { docUrl, type Keyword } from './keyword.js';

export const BASE64_DECODE_MAX = 65535;

const B64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => { B64[c.charCodeAt(0)] = i; });

/**
 * RFC 4648 decoding as Suricata's base64_decode does it: decoding stops at the first byte
 * outside the alphabet or at '=' padding; the bytes of a trailing partial group are kept
 * (2 chars → 1 byte, 3 → 2). Writes into `out` (BASE64_DECODE_MAX + 3 bytes), returns
 * the decoded length. No allocation.
 */
export function decodeBase64Into(src: Uint8Array, off: number, len: number, out: Uint8Array): number {
  let n = 0, acc = 0, bits = 0;
  const end = off + len, max = out.length;
  for (let i = off; i < end && n < max; i++) {
    const v = B64[src[i]];
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffffff; bits += 6;
    if (bits >= 8) { bits -= 8; out[n++] = (acc >> bits) & 0xff; }
  }
  return n;
}

/** The last base64_decode of a rule being built (base64_data attaches its list to it). */
export const lastBase64 = new WeakMap<RuleBuilder, Base64DecodeMatch>();

export const base64Decode: Keyword = {
  name: 'base64_decode', value: 'optional',
  description: 'decode base64 data of the buffer for base64_data (bytes, offset, relative)',
  url: docUrl('base64-keywords', 'base64-decode'),
  parse(v, b) {
    let bytes = 0, offset = 0, relative = false;
    if (v !== null) {
      const m = /^\s*(?:bytes\s+(\d+)\s*,?)?\s*(?:offset\s+(\d+)\s*,?)?\s*(\w+)?\s*$/.exec(v);
      if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return `base64_decode: cannot parse "${v}"`;
      if (m[1] !== undefined) { bytes = Number(m[1]); if (bytes === 0 || bytes > 0xffffffff) return `base64_decode: bad bytes "${m[1]}"`; }
      if (m[2] !== undefined) { offset = Number(m[2]); if (offset > 0xffffffff) return `base64_decode: bad offset "${m[2]}"`; }
      if (m[3] !== undefined) { if (m[3] !== 'relative') return `base64_decode: invalid argument "${m[3]}"`; relative = true; }
    }
    if (b.buffer === 'base64_data') return 'base64_decode inside base64_data';
    const m: Base64DecodeMatch = { t: 'base64_decode', bytes: bytes || BASE64_DECODE_MAX, offset, relative, data: [] };
    // Legacy modifiers (content:"x"; http_header; base64_decode): the list of the previous
    // payload match, as Suricata's DetectGetLastSMFromLists.
    const last = b.lastPayload;
    const legacy = b.buffer === 'payload' && last !== null && b.rule.app?.lists.find((l) => l.matches.includes(last));
    if (legacy) { legacy.matches.push(m); b.lastPayload = m; } else b.addPayload(m);
    lastBase64.set(b, m);
    return null;
  },
};

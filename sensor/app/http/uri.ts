/**
 * Request-target normalization for http.uri (libhtp-like defaults as Suricata configures
 * them): an absolute-form target loses scheme and authority (the authority becomes the host
 * when there is no Host header), %XX escapes are decoded in path and query (invalid escapes
 * are kept as they are), and dot segments are removed from the path (RFC 3986 5.2.4).
 */
import { EMPTY } from '../types.js';

/**
 * `doubleDecodePath` / `doubleDecodeQuery` (libhtp's double-decode-path/-query settings)
 * %-decode the decoded path / query once more; `doubleEncoded` is then true when that second
 * pass changed anything (libhtp raises http.double_encoded_uri: "/evil%2527sqli" →
 * "/evil%27sqli" → "/evil'sqli").
 */
export function normalizeUri(raw: Uint8Array, doubleDecodePath = false, doubleDecodeQuery = false): { uri: Uint8Array; host: Uint8Array | null; doubleEncoded: boolean; pathLen: number } {
  let start = 0;
  let host: Uint8Array | null = null;
  // absolute-form: scheme "://" authority path
  let i = 0;
  while (i < raw.length && isSchemeChar(raw[i])) i++;
  if (i > 0 && i + 2 < raw.length && raw[i] === 58 && raw[i + 1] === 47 && raw[i + 2] === 47) {
    let a = i + 3;
    const hs = a;
    while (a < raw.length && raw[a] !== 47 && raw[a] !== 63) a++;
    host = raw.slice(hs, a);
    const at = host.lastIndexOf(64);
    if (at >= 0) host = host.slice(at + 1);
    start = a;
  }
  const src = raw.subarray(start);
  if (src.length === 0) return { uri: start > 0 ? Uint8Array.of(47) : EMPTY, host, doubleEncoded: false, pathLen: start > 0 ? 1 : 0 };
  // Split path and query; decode both, remove dot segments in the path only.
  let q = src.indexOf(63);
  if (q < 0) q = src.length;
  let doubleEncoded = false;
  let p1 = pctDecode(src.subarray(0, q));
  if (doubleDecodePath && p1.indexOf(37) >= 0) {
    const p2 = pctDecode(p1);
    if (p2.length !== p1.length) { doubleEncoded = true; p1 = p2; }
  }
  const path = removeDots(p1);
  let query = pctDecode(src.subarray(q));
  if (doubleDecodeQuery && query.indexOf(37) >= 0) {
    const q2 = pctDecode(query);
    if (q2.length !== query.length) { doubleEncoded = true; query = q2; }
  }
  const out = new Uint8Array(path.length + query.length);
  out.set(path); out.set(query, path.length);
  return { uri: out, host, doubleEncoded, pathLen: path.length };
}

function isSchemeChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

function hex(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
}

export function pctDecode(b: Uint8Array): Uint8Array {
  if (b.indexOf(37) < 0) return b.slice();
  const o = new Uint8Array(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 37 && i + 2 < b.length + 0 && i + 2 <= b.length - 1) {
      const h = hex(b[i + 1]), l = hex(b[i + 2]);
      if (h >= 0 && l >= 0) { o[n++] = h * 16 + l; i += 2; continue; }
    }
    o[n++] = c;
  }
  return o.slice(0, n);
}

/**
 * True when a path segment is exactly "." or "..": only those change under
 * remove_dot_segments. (Testing for any "." sent nearly every URI — "x.php" — through the
 * string rebuild: 2.6 % of the no-rules profile.)
 */
function hasDotSegment(p: Uint8Array): boolean {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    if (p[i] !== 46 || (i > 0 && p[i - 1] !== 47)) continue;
    const j = i + 1 < n && p[i + 1] === 46 ? i + 2 : i + 1;
    if (j === n || p[j] === 47) return true;
  }
  return false;
}

/** RFC 3986 remove_dot_segments on a path. */
export function removeDots(p: Uint8Array): Uint8Array {
  if (!hasDotSegment(p)) return p;
  const segs: string[] = [];
  let s = '';
  for (const c of p) s += String.fromCharCode(c);
  const abs = s.startsWith('/');
  const parts = s.split('/');
  if (abs) parts.shift();
  for (let k = 0; k < parts.length; k++) {
    const x = parts[k];
    if (x === '.') { if (k === parts.length - 1) segs.push(''); continue; }
    if (x === '..') { segs.pop(); if (k === parts.length - 1) segs.push(''); continue; }
    segs.push(x);
  }
  const r = (abs ? '/' : '') + segs.join('/');
  const o = new Uint8Array(r.length);
  for (let k = 0; k < r.length; k++) o[k] = r.charCodeAt(k);
  return o;
}

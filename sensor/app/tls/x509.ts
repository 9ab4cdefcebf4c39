/**
 * Minimal DER walk over an X.509 certificate for the fields rules and logs use: serial,
 * issuer, subject (formatted like Suricata's "C=US, O=Org, CN=name"), validity, SHA-1
 * fingerprint. Every read is bounds-checked; a malformed certificate yields null.
 */
import { digest } from '../../digest.js';

interface Tlv { tag: number; off: number; len: number; end: number }

function tlv(b: Uint8Array, off: number, end: number): Tlv | null {
  if (off + 2 > end) return null;
  const tag = b[off];
  let l = b[off + 1];
  let p = off + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4 || p + n > end) return null;
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + b[p + i];
    p += n;
  }
  if (p + l > end) return null;
  return { tag, off: p, len: l, end: p + l };
}

const OIDS: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '2.5.4.9': 'street', '2.5.4.12': 'title', '2.5.4.42': 'GN', '2.5.4.4': 'SN',
  '2.5.4.17': 'postalCode', '2.5.4.15': 'businessCategory', '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST', '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
};

function oid(b: Uint8Array, off: number, len: number): string {
  if (len === 0) return '';
  const parts = [Math.floor(b[off] / 40), b[off] % 40];
  let v = 0;
  for (let i = 1; i < len; i++) {
    v = v * 128 + (b[off + i] & 0x7f);
    if ((b[off + i] & 0x80) === 0) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

const utf8 = new TextDecoder('utf-8');
const utf16 = new TextDecoder('utf-16be');

function str(b: Uint8Array, t: Tlv): string {
  const v = b.subarray(t.off, t.end);
  if (t.tag === 12) return utf8.decode(v);
  if (t.tag === 30) return utf16.decode(v);
  let s = '';
  for (const c of v) s += String.fromCharCode(c);
  return s;
}

/** Formats a Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
function name(b: Uint8Array, t: Tlv): string {
  const out: string[] = [];
  let p = t.off;
  while (p < t.end) {
    const set = tlv(b, p, t.end);
    if (!set) break;
    let q = set.off;
    while (q < set.end) {
      const atv = tlv(b, q, set.end);
      if (!atv) break;
      const o = tlv(b, atv.off, atv.end);
      const v = o ? tlv(b, o.end, atv.end) : null;
      if (o && v) {
        const k = oid(b, o.off, o.len);
        out.push(`${OIDS[k] ?? k}=${str(b, v)}`);
      }
      q = atv.end;
    }
    p = set.end;
  }
  return out.join(', ');
}

export interface CertInfo {
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint: string;
}

function hexColon(b: Uint8Array, upper: boolean): string {
  const h: string[] = [];
  for (const c of b) { const x = c.toString(16).padStart(2, '0'); h.push(upper ? x.toUpperCase() : x); }
  return h.join(':');
}

function time(b: Uint8Array, t: Tlv): string {
  const s = str(b, t);
  // UTCTime YYMMDDhhmmssZ or GeneralizedTime YYYYMMDDhhmmssZ
  const full = t.tag === 23 ? (Number(s.slice(0, 2)) >= 50 ? '19' : '20') + s : s;
  return `${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)}`;
}

export function parseCert(der: Uint8Array): CertInfo | null {
  const cert = tlv(der, 0, der.length);
  if (!cert || cert.tag !== 0x30) return null;
  const tbs = tlv(der, cert.off, cert.end);
  if (!tbs || tbs.tag !== 0x30) return null;
  let p = tbs.off;
  let t = tlv(der, p, tbs.end);
  if (t && t.tag === 0xa0) { p = t.end; t = tlv(der, p, tbs.end); }
  if (!t || t.tag !== 2) return null;
  // Suricata prints the serial's content octets (with a leading 00 when DER has one).
  const serial = hexColon(der.subarray(t.off, t.end), true);
  const sig = tlv(der, t.end, tbs.end); if (!sig) return null;
  const iss = tlv(der, sig.end, tbs.end); if (!iss || iss.tag !== 0x30) return null;
  const val = tlv(der, iss.end, tbs.end); if (!val) return null;
  const nb = tlv(der, val.off, val.end);
  const na = nb ? tlv(der, nb.end, val.end) : null;
  const sub = tlv(der, val.end, tbs.end); if (!sub || sub.tag !== 0x30) return null;
  return {
    serial,
    issuer: name(der, iss),
    subject: name(der, sub),
    notBefore: nb ? time(der, nb) : '',
    notAfter: na ? time(der, na) : '',
    fingerprint: hexColon(digest('sha1', der, 'buffer'), false),
  };
}

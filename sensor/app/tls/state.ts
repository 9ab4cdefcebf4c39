/**
 * TLS per-flow state: record layer per direction (5-byte headers; handshake messages may span
 * records, so handshake bytes are gathered per direction), ClientHello / ServerHello /
 * Certificate parsing, JA3 / JA3S (md5 over the decimal field lists, GREASE removed) and JA4
 * (FoxIO spec: t + version + d/i + counts + ALPN edge chars, then truncated SHA-256 of the
 * sorted cipher list and of the sorted extension list + signature algorithms).
 * One transaction per flow, as in Suricata: TO_SERVER completes at the ClientHello,
 * TO_CLIENT at the server's ServerHelloDone / first ChangeCipherSpec or encrypted record.
 */
import { digest } from '../../digest.js';
import { AppProto, BUF, ascii, TxMarks, type AppTx, type TxSink, TO_CLIENT, TO_SERVER } from '../types.js';
import { parseCert, type CertInfo } from './x509.js';

const isGrease = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
const md5 = (s: string): string => digest('md5', s, 'hex');
const sha12 = (s: string): string => digest('sha256', s, 'hex').slice(0, 12);
const hex4 = (v: number): string => v.toString(16).padStart(4, '0');

export interface ClientHello {
  version: number;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
  alpn: string[];
  supportedVersions: number[];
  sni: Uint8Array | null;
}

export function parseClientHello(b: Uint8Array, off: number, end: number): ClientHello | null {
  const u16 = (o: number): number => (b[o] << 8) | b[o + 1];
  if (off + 38 > end) return null;
  const ch: ClientHello = { version: u16(off), ciphers: [], extensions: [], groups: [], pointFormats: [], sigAlgs: [], alpn: [], supportedVersions: [], sni: null };
  let p = off + 34;
  p += 1 + b[p]; // session id
  if (p + 2 > end) return null;
  const cl = u16(p); p += 2;
  if (p + cl > end) return null;
  for (let i = 0; i + 1 < cl; i += 2) ch.ciphers.push(u16(p + i));
  p += cl;
  if (p >= end) return null;
  p += 1 + b[p]; // compression methods
  if (p + 2 > end) return ch; // no extensions
  const el = u16(p); p += 2;
  const ee = Math.min(end, p + el);
  while (p + 4 <= ee) {
    const t = u16(p), l = u16(p + 2), d = p + 4;
    if (d + l > ee) break;
    ch.extensions.push(t);
    if (t === 0 && l >= 5) {
      // server_name list: type 0 host_name
      let q = d + 2;
      while (q + 3 <= d + l) {
        const nt = b[q], nl = u16(q + 1);
        if (q + 3 + nl > d + l) break;
        if (nt === 0 && !ch.sni) ch.sni = b.slice(q + 3, q + 3 + nl);
        q += 3 + nl;
      }
    } else if (t === 10 && l >= 2) {
      const n = u16(d);
      for (let i = 0; i + 1 < n && d + 2 + i + 1 < d + l + 1; i += 2) ch.groups.push(u16(d + 2 + i));
    } else if (t === 11 && l >= 1) {
      for (let i = 0; i < b[d] && i + 1 < l; i++) ch.pointFormats.push(b[d + 1 + i]);
    } else if (t === 13 && l >= 2) {
      const n = u16(d);
      for (let i = 0; i + 1 < n && i + 3 < l + 1; i += 2) ch.sigAlgs.push(u16(d + 2 + i));
    } else if (t === 16 && l >= 2) {
      let q = d + 2;
      while (q < d + l) {
        const n = b[q];
        if (q + 1 + n > d + l) break;
        let s = '';
        for (let k = 0; k < n; k++) s += String.fromCharCode(b[q + 1 + k]);
        ch.alpn.push(s);
        q += 1 + n;
      }
    } else if (t === 43 && l >= 1) {
      for (let i = 0; i + 1 < b[d] && i + 2 < l + 1; i += 2) ch.supportedVersions.push(u16(d + 1 + i));
    }
    p = d + l;
  }
  return ch;
}

export function ja3String(c: ClientHello): string {
  const f = (a: number[]): string => a.filter((v) => !isGrease(v)).join('-');
  return `${c.version},${f(c.ciphers)},${f(c.extensions)},${f(c.groups)},${c.pointFormats.join('-')}`;
}

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304: return '13'; case 0x0303: return '12'; case 0x0302: return '11'; case 0x0301: return '10';
    case 0x0300: return 's3'; case 0x0002: return 's2'; case 0xfeff: return 'd1'; case 0xfefd: return 'd2'; case 0xfefc: return 'd3';
    default: return '00';
  }
}

/** JA4 for TLS over TCP (the QUIC variant starts with q). */
export function ja4(c: ClientHello, transport: 't' | 'q' = 't'): string {
  const sv = c.supportedVersions.filter((v) => !isGrease(v));
  const ver = sv.length ? Math.max(...sv) : c.version;
  const ciphers = c.ciphers.filter((v) => !isGrease(v));
  const exts = c.extensions.filter((v) => !isGrease(v));
  const nc = Math.min(99, ciphers.length), ne = Math.min(99, exts.length);
  let alpn = '00';
  if (c.alpn.length && c.alpn[0].length) {
    const a = c.alpn[0];
    const first = a.charCodeAt(0), last = a.charCodeAt(a.length - 1);
    const alnum = (x: number): boolean => (x >= 48 && x <= 57) || (x >= 65 && x <= 90) || (x >= 97 && x <= 122);
    alpn = alnum(first) && alnum(last) ? a[0] + a[a.length - 1] : hex4((first << 8) | last).slice(0, 1) + hex4((first << 8) | last).slice(-1);
  }
  const a = `${transport}${ja4Version(ver)}${c.sni ? 'd' : 'i'}${String(nc).padStart(2, '0')}${String(ne).padStart(2, '0')}${alpn}`;
  const b = ciphers.length ? sha12(ciphers.map(hex4).sort().join(',')) : '000000000000';
  const extSorted = exts.filter((v) => v !== 0 && v !== 16).map(hex4).sort().join(',');
  const sig = c.sigAlgs.map(hex4).join(',');
  const cpart = exts.length ? sha12(sig ? `${extSorted}_${sig}` : extSorted) : '000000000000';
  return `${a}_${b}_${cpart}`;
}

export class TlsTx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.TLS;
  readonly id = 0;
  progress = 0;
  events: string[] = [];
  client: ClientHello | null = null;
  serverVersion = 0;
  /** Hello randoms (32 bytes: 4 time + 28 random), client and server. */
  clientRandom: Uint8Array | null = null;
  serverRandom: Uint8Array | null = null;
  serverCipher = 0;
  serverExtensions: number[] = [];
  serverSupportedVersion = 0;
  certs: Uint8Array[] = [];
  certInfo: CertInfo | null = null;
  private cache = new Map<number, Uint8Array | null>();

  ja3s(): string {
    return `${this.serverVersion},${this.serverCipher},${this.serverExtensions.filter((v) => !isGrease(v)).join('-')}`;
  }

  buffer(id: number, i: number, dir = 0): Uint8Array | null {
    if (id === BUF.TLS_CERTS) return i < this.certs.length ? this.certs[i] : null;
    if (id === BUF.TLS_RANDOM || id === BUF.TLS_RANDOM_TIME || id === BUF.TLS_RANDOM_BYTES) {
      // Per direction: the ClientHello random to the server, the ServerHello random to the client.
      const r = dir === TO_CLIENT ? this.serverRandom : this.clientRandom;
      if (i !== 0 || r === null) return null;
      return id === BUF.TLS_RANDOM ? r : id === BUF.TLS_RANDOM_TIME ? r.subarray(0, 4) : r.subarray(4);
    }
    if (i !== 0) return null;
    if (this.cache.has(id)) return this.cache.get(id)!;
    const v = this.compute(id);
    // Cache only once the side is complete (buffers do not change after that).
    if (this.progress === (TO_SERVER | TO_CLIENT)) this.cache.set(id, v);
    return v;
  }

  private compute(id: number): Uint8Array | null {
    const c = this.client, ci = this.certInfo;
    switch (id) {
      case BUF.TLS_SNI: return c?.sni ?? null;
      case BUF.JA3_STRING: return c ? ascii(ja3String(c)) : null;
      case BUF.JA3_HASH: return c ? ascii(md5(ja3String(c))) : null;
      case BUF.JA4_HASH: return c ? ascii(ja4(c)) : null;
      case BUF.JA3S_STRING: return this.serverVersion ? ascii(this.ja3s()) : null;
      case BUF.JA3S_HASH: return this.serverVersion ? ascii(md5(this.ja3s())) : null;
      case BUF.TLS_CERT_SUBJECT: return ci ? Buffer.from(ci.subject, 'utf8') : null;
      case BUF.TLS_CERT_ISSUER: return ci ? Buffer.from(ci.issuer, 'utf8') : null;
      case BUF.TLS_CERT_SERIAL: return ci ? ascii(ci.serial) : null;
      case BUF.TLS_CERT_FINGERPRINT: return ci ? ascii(ci.fingerprint) : null;
      default: return null;
    }
  }

  num(name: string): number {
    if (name === 'version') return this.serverSupportedVersion || this.serverVersion || (this.client ? this.client.version : NaN);
    return NaN;
  }

  eve(): Record<string, unknown> {
    const c = this.client, ci = this.certInfo;
    const v = this.num('version');
    return {
      sni: c?.sni ? Buffer.from(c.sni).toString('latin1') : undefined,
      version: Number.isNaN(v) ? undefined : v === 0x0304 ? 'TLS 1.3' : v === 0x0303 ? 'TLS 1.2' : v === 0x0302 ? 'TLS 1.1' : v === 0x0301 ? 'TLS 1.0' : v === 0x0300 ? 'SSLv3' : 'UNDETERMINED',
      subject: ci?.subject, issuerdn: ci?.issuer, serial: ci?.serial, fingerprint: ci?.fingerprint,
      notbefore: ci?.notBefore, notafter: ci?.notAfter,
      ja3: c ? { hash: md5(ja3String(c)), string: ja3String(c) } : undefined,
      ja3s: this.serverVersion ? { hash: md5(this.ja3s()), string: this.ja3s() } : undefined,
      ja4: c ? ja4(c) : undefined,
    };
  }
}

/**
 * Handshake types Suricata parses (SupportedHandshakeType): hello_request 0, client_hello 1,
 * server_hello 2, new_session_ticket 4, certificate 11, server_key_exchange 12,
 * certificate_request 13, server_hello_done 14, certificate_verify 15, client_key_exchange 16,
 * finished 20, certificate_url 21, certificate_status 22. Bit t set = type t known.
 */
const HS_SUPPORTED = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 4) | (1 << 11) | (1 << 12) | (1 << 13) |
  (1 << 14) | (1 << 15) | (1 << 16) | (1 << 20) | (1 << 21) | (1 << 22);

/** Largest handshake message gathered (certificate chains are typically < 16 KiB). */
const MAX_HS = 1 << 18;

export class TlsState {
  readonly tx = new TlsTx();
  private rec: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private hs: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private dead: [boolean, boolean] = [false, false];
  /** ChangeCipherSpec seen, per direction. */
  private ccs: [boolean, boolean] = [false, false];
  /** Bytes of an application-data record body still to pass over, per direction. */
  private skip: [number, number] = [0, 0];
  constructor(private readonly sink: TxSink) {}

  feed(b: Uint8Array, off: number, len: number, toServer: boolean): void {
    const d = toServer ? 0 : 1;
    if (this.dead[d]) return;
    // Encrypted application data is passed over, never buffered: buffering each record
    // until complete copied every chunk of a TLS transfer (12.8% GC on bench-1g).
    const sk = this.skip[d];
    if (sk > 0) {
      const take = sk < len ? sk : len;
      this.skip[d] = sk - take; off += take; len -= take;
      if (len === 0) return;
    }
    let buf = concat(this.rec[d], b.subarray(off, off + len));
    let p = 0;
    while (buf.length - p >= 5) {
      const type = buf[p], rl = (buf[p + 3] << 8) | buf[p + 4];
      if (type < 20 || type > 24 || buf[p + 1] > 3 || rl > 18432) {
        // SSLv2-compatible ClientHello or garbage: no more record parsing this direction.
        this.tx.events.push('tls.invalid_record_type');
        this.dead[d] = true;
        break;
      }
      if (type === 23) {
        if (!toServer) this.serverDone();
        else if (!(this.tx.progress & TO_SERVER) && this.tx.client) this.clientDone();
        const have = buf.length - p - 5;
        if (have < rl) { this.skip[d] = rl - have; p = buf.length; break; }
        p += 5 + rl;
        continue;
      }
      if (buf.length - p - 5 < rl) break;
      const body = buf.subarray(p + 5, p + 5 + rl);
      if (type === 20) this.ccs[d] = true;
      // After ChangeCipherSpec the direction's handshake records are encrypted (Finished):
      // not parsed, as in Suricata (no invalid_handshake_message for them).
      if (type === 22 && !this.ccs[d]) this.handshake(body, d);
      else if (!toServer && (type === 20 || type === 23)) this.serverDone();
      else if (toServer && type === 23 && !(this.tx.progress & TO_SERVER) && this.tx.client) this.clientDone();
      p += 5 + rl;
    }
    if (this.dead[d]) { this.rec[d] = new Uint8Array(0); return; }
    this.rec[d] = p === buf.length ? EMPTY_REC : buf.slice(p);
  }

  close(toServer: boolean): void {
    if (toServer) { if (this.tx.client) this.clientDone(); }
    else if (this.tx.serverVersion) this.serverDone();
  }

  private clientDone(): void {
    if (this.tx.progress & TO_SERVER) return;
    this.tx.progress |= TO_SERVER;
    this.sink(this.tx, TO_SERVER);
  }

  private serverDone(): void {
    if (this.tx.progress & TO_CLIENT) return;
    if (!(this.tx.progress & TO_SERVER) && this.tx.client) this.clientDone();
    this.tx.progress |= TO_CLIENT;
    this.sink(this.tx, TO_CLIENT);
  }

  private handshake(body: Uint8Array, d: number): void {
    if (this.tx.progress & (d === 0 ? TO_SERVER : TO_CLIENT) && d === 0) return;
    let buf = concat(this.hs[d], body);
    let p = 0;
    while (buf.length - p >= 4) {
      const t = buf[p], l = (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
      if (t > 31 || ((HS_SUPPORTED >>> t) & 1) === 0) {
        // Suricata (app-layer-ssl.c SSLv3ParseHandshakeProtocol): a message type it does not
        // know is tls.invalid_handshake_message; it skips the message's length (as far as the
        // bytes at hand go) and goes on with the next header. suricata-verify bug-1450: a
        // certificate message followed by type 0x84, length 0xffffff.
        this.tx.events.push('tls.invalid_handshake_message');
        p += 4 + Math.min(l, buf.length - p - 4);
        continue;
      }
      if (l > MAX_HS) { this.tx.events.push('tls.handshake_too_long'); buf = new Uint8Array(0); p = 0; break; }
      if (buf.length - p - 4 < l) break;
      this.message(t, buf, p + 4, p + 4 + l, d);
      p += 4 + l;
    }
    this.hs[d] = buf.slice(p);
  }

  private message(t: number, b: Uint8Array, off: number, end: number, d: number): void {
    const tx = this.tx;
    if (d === 0 && t === 1) {
      tx.client = parseClientHello(b, off, end);
      if (tx.client) tx.clientRandom = b.slice(off + 2, off + 34);
      if (!tx.client) tx.events.push('tls.invalid_handshake_message');
      else this.clientDone();
    } else if (d === 1 && t === 2) {
      if (off + 38 > end) { tx.events.push('tls.invalid_handshake_message'); return; }
      tx.serverVersion = (b[off] << 8) | b[off + 1];
      tx.serverRandom = b.slice(off + 2, off + 34);
      let p = off + 34;
      p += 1 + b[p];
      if (p + 3 > end) return;
      tx.serverCipher = (b[p] << 8) | b[p + 1];
      p += 3;
      if (p + 2 <= end) {
        const ee = Math.min(end, p + 2 + ((b[p] << 8) | b[p + 1]));
        p += 2;
        while (p + 4 <= ee) {
          const et = (b[p] << 8) | b[p + 1], l = (b[p + 2] << 8) | b[p + 3];
          tx.serverExtensions.push(et);
          if (et === 43 && l === 2 && p + 6 <= ee) tx.serverSupportedVersion = (b[p + 4] << 8) | b[p + 5];
          p += 4 + l;
        }
      }
    } else if (d === 1 && t === 11) {
      // Certificate (TLS <= 1.2): 3-byte list length, then 3-byte length + DER per cert.
      let p = off + 3;
      while (p + 3 <= end) {
        const l = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
        if (p + 3 + l > end) break;
        tx.certs.push(b.slice(p + 3, p + 3 + l));
        p += 3 + l;
      }
      if (tx.certs.length) {
        tx.certInfo = parseCert(tx.certs[0]);
        if (!tx.certInfo) tx.events.push('tls.invalid_certificate');
      }
    } else if (d === 1 && t === 14) {
      this.serverDone();
    }
  }
}

const EMPTY_REC = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const o = new Uint8Array(a.length + b.length);
  o.set(a); o.set(b, a.length);
  return o;
}

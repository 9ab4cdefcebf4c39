/**
 * DNS message parser (RFC 1035): header, questions and answer records, names with
 * compression pointers (bounded: at most 255 bytes of name and 128 jumps, so a pointer loop
 * is a malformation, not a hang). Over UDP a datagram is one message; over TCP each message
 * has a 2-byte length prefix (RFC 1035 4.2.2), handled by DnsState.
 */
import { AppProto, BUF, TO_CLIENT, TO_SERVER, ascii, latin1, TxMarks, type AppTx, type TxSink } from '../types.js';

export interface DnsRecord { name: Uint8Array; type: number; cls: number; ttl: number; rdata: string }

export interface DnsMessage {
  id: number;
  flags: number;
  response: boolean;
  opcode: number;
  rcode: number;
  z: boolean;
  questions: Array<{ name: Uint8Array; type: number; cls: number }>;
  answers: DnsRecord[];
}

const MAX_JUMPS = 128;

/** Reads a (possibly compressed) name at off; returns [name bytes, next offset] or null. */
export function readName(b: Uint8Array, start: number, end: number, off: number): [Uint8Array, number] | null {
  const out: number[] = [];
  let p = off, next = -1, jumps = 0;
  for (;;) {
    if (p >= end) return null;
    const l = b[p];
    if (l === 0) { p++; break; }
    if ((l & 0xc0) === 0xc0) {
      if (p + 1 >= end) return null;
      if (next < 0) next = p + 2;
      p = start + (((l & 0x3f) << 8) | b[p + 1]);
      if (++jumps > MAX_JUMPS) return null;
      continue;
    }
    if ((l & 0xc0) !== 0) return null;
    if (p + 1 + l > end) return null;
    if (out.length) out.push(46);
    for (let k = 0; k < l; k++) out.push(b[p + 1 + k]);
    if (out.length > 255) return null;
    p += 1 + l;
  }
  return [Uint8Array.from(out), next >= 0 ? next : p];
}

/** Parses one DNS message in b[start..end); null when malformed. */
export function parseDns(b: Uint8Array, start: number, end: number): DnsMessage | null {
  if (end - start < 12) return null;
  const u16 = (o: number): number => (b[o] << 8) | b[o + 1];
  const flags = u16(start + 2);
  const qd = u16(start + 4), an = u16(start + 6);
  const m: DnsMessage = {
    id: u16(start), flags, response: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf, z: (flags & 0x40) !== 0, questions: [], answers: [],
  };
  let p = start + 12;
  for (let i = 0; i < qd; i++) {
    const n = readName(b, start, end, p);
    if (!n || n[1] + 4 > end) return null;
    p = n[1];
    m.questions.push({ name: n[0], type: u16(p), cls: u16(p + 2) });
    p += 4;
  }
  for (let i = 0; i < an; i++) {
    const n = readName(b, start, end, p);
    if (!n || n[1] + 10 > end) return m.questions.length ? m : null;
    p = n[1];
    const type = u16(p), cls = u16(p + 2);
    const ttl = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    const rdlen = u16(p + 8);
    p += 10;
    if (p + rdlen > end) break;
    let rdata = '';
    if (type === 1 && rdlen === 4) rdata = `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
    else if (type === 28 && rdlen === 16) {
      const w: string[] = [];
      for (let k = 0; k < 16; k += 2) w.push(((b[p + k] << 8) | b[p + k + 1]).toString(16));
      rdata = w.join(':');
    } else if (type === 5 || type === 2 || type === 12) {
      const t = readName(b, start, end, p);
      if (t) rdata = latin1(t[0]);
    }
    m.answers.push({ name: n[0], type, cls, ttl, rdata });
    p += rdlen;
  }
  return m;
}

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR', 43: 'DS', 46: 'RRSIG', 48: 'DNSKEY', 65: 'HTTPS', 255: 'ANY' };
export const rrtypeName = (t: number): string => TYPES[t] ?? String(t);

export class DnsTx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.DNS;
  progress = 0;
  events: string[] = [];
  request: DnsMessage | null = null;
  response: DnsMessage | null = null;
  constructor(readonly id: number, readonly txid: number) {}

  buffer(id: number, i: number, dir = 0): Uint8Array | null {
    if (id === BUF.DNS_QUERY) {
      // Suricata inspects the query names of the request (and of the response's question
      // section for to_client rules).
      const m = dir === TO_CLIENT ? this.response : this.request ?? this.response;
      return m && i < m.questions.length ? m.questions[i].name : null;
    }
    if (id === BUF.DNS_ANSWER_NAME) {
      const m = this.response;
      return m && i < m.answers.length ? m.answers[i].name : null;
    }
    return null;
  }

  num(name: string, i: number, dir = 0): number {
    const m = dir === TO_CLIENT ? this.response : this.request ?? this.response;
    if (!m) return NaN;
    if (name === 'opcode') return i === 0 ? m.opcode : NaN;
    if (name === 'rcode') return i === 0 ? m.rcode : NaN;
    if (name === 'rrtype') {
      if (i < m.questions.length) return m.questions[i].type;
      const k = i - m.questions.length;
      return k < m.answers.length ? m.answers[k].type : NaN;
    }
    return NaN;
  }

  eve(): Record<string, unknown> {
    const q = this.request ?? this.response;
    const r = this.response;
    return {
      id: this.txid,
      queries: q?.questions.map((x) => ({ rrname: latin1(x.name), rrtype: rrtypeName(x.type) })) ?? [],
      rcode: r ? RCODES[r.rcode] ?? String(r.rcode) : undefined,
      answers: r?.answers.map((a) => ({ rrname: latin1(a.name), rrtype: rrtypeName(a.type), ttl: a.ttl, rdata: a.rdata })) ?? [],
    };
  }
}

/** Per-flow DNS state: requests and responses paired by message id. */
export class DnsState {
  private readonly open = new Map<number, DnsTx>();
  private nextId = 0;
  /** TCP framing buffers per direction. */
  private tcpBuf: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  malformed = 0;
  constructor(private readonly sink: TxSink) {}

  /** One DNS message (UDP datagram payload, or a TCP message without its length prefix). */
  message(b: Uint8Array, off: number, len: number, toServer: boolean): boolean {
    const m = parseDns(b, off, off + len);
    if (!m) { this.malformed++; return false; }
    if (!m.response) {
      const tx = new DnsTx(this.nextId++, m.id);
      tx.request = m;
      if (m.z) tx.events.push('dns.z_flag_set');
      if (!toServer) tx.events.push('dns.not_a_request');
      tx.progress |= TO_SERVER;
      this.open.set(m.id, tx);
      if (this.open.size > 512) this.open.delete(this.open.keys().next().value!);
      this.sink(tx, TO_SERVER);
      return true;
    }
    let tx = this.open.get(m.id);
    if (tx) this.open.delete(m.id);
    else { tx = new DnsTx(this.nextId++, m.id); tx.events.push('dns.unsolicited_response'); }
    tx.response = m;
    if (m.z) tx.events.push('dns.z_flag_set');
    if (toServer) tx.events.push('dns.not_a_response');
    tx.progress |= TO_CLIENT;
    this.sink(tx, TO_CLIENT);
    return true;
  }

  /** TCP: length-prefixed messages over the stream. */
  stream(b: Uint8Array, off: number, len: number, toServer: boolean): void {
    const d = toServer ? 0 : 1;
    let acc = this.tcpBuf[d];
    const merged = new Uint8Array(acc.length + len);
    merged.set(acc); merged.set(b.subarray(off, off + len), acc.length);
    let p = 0;
    while (merged.length - p >= 2) {
      const l = (merged[p] << 8) | merged[p + 1];
      if (merged.length - p - 2 < l) break;
      this.message(merged, p + 2, l, toServer);
      p += 2 + l;
    }
    acc = merged.slice(p);
    this.tcpBuf[d] = acc.length > 65537 ? new Uint8Array(0) : acc;
  }
}

export { ascii };

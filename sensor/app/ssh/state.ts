/**
 * SSH per-flow state (RFC 4253): the identification line per direction
 * ("SSH-protoversion-softwareversion SP comments CRLF", lines before it are ignored as the
 * RFC allows for the server), then binary packets until the KEXINIT of each side, from
 * which HASSH / HASSHServer (Salesforce: md5 of "kex;enc;mac;cmp" of the sender's
 * client→server or server→client lists) are computed. After KEXINIT the stream is ignored.
 * One transaction per flow: TO_SERVER completes at the client KEXINIT, TO_CLIENT at the
 * server's (or at close when the KEXINIT never came).
 */
import { digest } from '../../digest.js';
import { AppProto, BUF, ascii, latin1, TO_CLIENT, TO_SERVER, TxMarks, type AppTx, type TxSink } from '../types.js';

interface Side {
  proto: Uint8Array | null;
  software: Uint8Array | null;
  hasshString: string;
  kexDone: boolean;
}

export class SshTx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.SSH;
  readonly id = 0;
  progress = 0;
  events: string[] = [];
  readonly client: Side = { proto: null, software: null, hasshString: '', kexDone: false };
  readonly server: Side = { proto: null, software: null, hasshString: '', kexDone: false };

  buffer(id: number, i: number, dir = 0): Uint8Array | null {
    if (i !== 0) return null;
    const s = dir === TO_CLIENT ? this.server : this.client;
    switch (id) {
      case BUF.SSH_PROTO: return s.proto;
      case BUF.SSH_SOFTWARE: return s.software;
      case BUF.SSH_HASSH: return this.client.hasshString ? ascii(md5(this.client.hasshString)) : null;
      case BUF.SSH_HASSH_STRING: return this.client.hasshString ? ascii(this.client.hasshString) : null;
      case BUF.SSH_HASSH_SERVER: return this.server.hasshString ? ascii(md5(this.server.hasshString)) : null;
      case BUF.SSH_HASSH_SERVER_STRING: return this.server.hasshString ? ascii(this.server.hasshString) : null;
      default: return null;
    }
  }

  num(): number { return NaN; }

  eve(): Record<string, unknown> {
    const side = (s: Side): Record<string, unknown> => ({
      proto_version: s.proto ? latin1(s.proto) : undefined,
      software_version: s.software ? latin1(s.software) : undefined,
      hassh: s.hasshString ? { hash: md5(s.hasshString), string: s.hasshString } : undefined,
    });
    return { client: side(this.client), server: side(this.server) };
  }
}

const md5 = (s: string): string => digest('md5', s, 'hex');

/** Longest identification line (RFC 4253 4.2: 255 bytes). */
const MAX_LINE = 255;
/** Packets bigger than this before KEXINIT are not SSH (RFC 4253 6.1: 35000). */
const MAX_PACKET = 35000;

export class SshState {
  readonly tx = new SshTx();
  private buf: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private done: [boolean, boolean] = [false, false];
  constructor(private readonly sink: TxSink) {}

  feed(b: Uint8Array, off: number, len: number, toServer: boolean): void {
    const d = toServer ? 0 : 1;
    if (this.done[d]) return;
    const side = toServer ? this.tx.client : this.tx.server;
    const prev = this.buf[d];
    const buf = new Uint8Array(prev.length + len);
    buf.set(prev); buf.set(b.subarray(off, off + len), prev.length);
    let p = 0;
    while (!side.proto) {
      const nl = buf.indexOf(10, p);
      if (nl < 0) {
        if (buf.length - p > MAX_LINE) { this.tx.events.push('ssh.invalid_banner'); this.finish(d); return; }
        break;
      }
      let e = nl;
      if (e > p && buf[e - 1] === 13) e--;
      if (e - p >= 4 && buf[p] === 83 && buf[p + 1] === 83 && buf[p + 2] === 72 && buf[p + 3] === 45) {
        const dash = buf.indexOf(45, p + 4);
        if (dash < 0 || dash > e) { this.tx.events.push('ssh.invalid_banner'); this.finish(d); return; }
        side.proto = buf.slice(p + 4, dash);
        let sp = dash + 1;
        while (sp < e && buf[sp] !== 32) sp++;
        side.software = buf.slice(dash + 1, sp);
      }
      p = nl + 1;
    }
    while (side.proto && !side.kexDone && buf.length - p >= 6) {
      const plen = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      if (plen > MAX_PACKET || plen < 2) { this.tx.events.push('ssh.invalid_record'); this.finish(d); return; }
      if (buf.length - p - 4 < plen) break;
      const pad = buf[p + 4];
      const msg = buf[p + 5];
      if (msg === 20) {
        side.hasshString = kexinitHassh(buf, p + 6, p + 4 + plen - pad, toServer);
        side.kexDone = true;
        this.finish(d);
        return;
      }
      p += 4 + plen;
    }
    this.buf[d] = buf.slice(p);
  }

  close(toServer: boolean): void {
    this.finish(toServer ? 0 : 1);
  }

  private finish(d: number): void {
    if (this.done[d]) return;
    this.done[d] = true;
    this.buf[d] = new Uint8Array(0);
    const bit = d === 0 ? TO_SERVER : TO_CLIENT;
    if (this.tx.progress & bit) return;
    this.tx.progress |= bit;
    this.sink(this.tx, bit);
  }
}

/** Name-lists of KEXINIT after the 16-byte cookie; returns the HASSH input string. */
function kexinitHassh(b: Uint8Array, off: number, end: number, client: boolean): string {
  let p = off + 16;
  const lists: string[] = [];
  for (let i = 0; i < 10 && p + 4 <= end; i++) {
    const l = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    if (p + 4 + l > end) break;
    lists.push(latin1(b, p + 4, p + 4 + l));
    p += 4 + l;
  }
  if (lists.length < 10) return '';
  // kex, hostkey, enc c2s, enc s2c, mac c2s, mac s2c, cmp c2s, cmp s2c, lang c2s, lang s2c
  return client ? `${lists[0]};${lists[2]};${lists[4]};${lists[6]}` : `${lists[0]};${lists[3]};${lists[5]};${lists[7]}`;
}

/**
 * FTP control channel (RFC 959, 2428), with Suricata's app-layer-ftp semantics:
 * - one transaction per command line; its replies (lines "NNN-" continue, "NNN " ends one
 *   reply; 1xx replies are preliminary) complete it at the first final reply (2xx-5xx);
 *   replies nobody asked for (the welcome banner) get a transaction of their own;
 * - PORT h1,h2,h3,h4,p1,p2 / EPRT |af|addr|port| (client's data endpoint) and the answers to
 *   PASV (227 ... (h1,h2,h3,h4,p1,p2)) / EPSV (229 ... (|||port|)) set the transaction's
 *   dynamic port and the expected data endpoint (`expect`, used by the app layer to mark
 *   the ftp-data flow);
 * - lines are cut at 4096 bytes (ftp.request_command_too_long / ftp.response_command_too_long,
 *   Suricata's FTP_DECODER_EVENT names).
 * Buffers: ftp.command (the verb, upper-cased as sent), ftp.command_data (its argument),
 * ftp.reply (each reply line's text), ftp.completion_code (each reply's code).
 */
import { AppProto, BUF, latin1, lfIndex, TO_CLIENT, TO_SERVER, TxMarks, type AppTx, type TxSink } from '../types.js';
import { LineCarry } from '../lines.js';

/** Completed transactions kept for replies that answer an older command (pipelined FTP is rare). */
const MAX_OPEN = 32;
/**
 * Lines kept per reply (ftp.reply buffers and the EVE reply list). A multi-line reply that
 * never ends ("220-" and then any text) would otherwise keep every line of the direction,
 * up to the reassembly depth; later lines are still read for the reply's end, not stored.
 */
export const MAX_REPLY_LINES = 256;

export class FtpTx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.FTP;
  progress = 0;
  events: string[] = [];
  command: Uint8Array | null = null;
  commandData: Uint8Array | null = null;
  readonly replies: Uint8Array[] = [];
  readonly codes: Uint8Array[] = [];
  dynamicPort = -1;
  /** 'active' (PORT/EPRT) or 'passive' (PASV/EPSV) when this command set up a data channel. */
  mode = '';
  /** PORT/EPRT: IPv4 address the client named (host order), -1 when not IPv4 or absent. */
  portAddr = -1;
  /** PORT/EPRT named an IPv4 address other than the client's: 1, else 0; -1 when not a PORT (ftpbounce). */
  bounce = -1;
  constructor(readonly id: number) {}

  buffer(id: number, i: number): Uint8Array | null {
    switch (id) {
      case BUF.FTP_COMMAND: return i === 0 ? this.command : null;
      case BUF.FTP_COMMAND_DATA: return i === 0 ? this.commandData : null;
      case BUF.FTP_REPLY: return i < this.replies.length ? this.replies[i] : null;
      case BUF.FTP_COMPLETION_CODE: return i < this.codes.length ? this.codes[i] : null;
      default: return null;
    }
  }

  num(name: string, i: number): number {
    if (name === 'ftpbounce') return i === 0 && this.bounce >= 0 ? this.bounce : NaN;
    if (name === 'ftp.dynamic_port') return i === 0 && this.dynamicPort >= 0 ? this.dynamicPort : NaN;
    return NaN;
  }

  eve(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    if (this.command) o.command = latin1(this.command);
    if (this.commandData) o.command_data = latin1(this.commandData);
    if (this.replies.length) o.reply = this.replies.map((r) => latin1(r));
    if (this.codes.length) o.completion_code = this.codes.map((r) => latin1(r));
    if (this.dynamicPort >= 0) o.dynamic_port = this.dynamicPort;
    if (this.mode) o.mode = this.mode;
    o.reply_received = (this.progress & TO_CLIENT) !== 0 ? 'yes' : 'no';
    return o;
  }
}

/** An expected data connection: server address (IPv4 host order, or -1 for "the control server") and port. */
export interface FtpExpect { addr: number; port: number; toClient: boolean }

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/** "h1,h2,h3,h4,p1,p2" somewhere in b[off..end): [addr, port] or null. */
export function parseHostPort(b: Uint8Array, off: number, end: number): [number, number] | null {
  for (let s = off; s < end; s++) {
    if (!isDigit(b[s])) continue;
    const v = [0, 0, 0, 0, 0, 0];
    let i = s, k = 0;
    for (; k < 6; k++) {
      let n = 0, d = 0;
      while (i < end && isDigit(b[i]) && d < 4) { n = n * 10 + b[i] - 48; i++; d++; }
      if (d === 0 || n > 255) break;
      v[k] = n;
      if (k < 5) { if (i >= end || b[i] !== 44) break; i++; }
    }
    if (k === 6) return [((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0, v[4] * 256 + v[5]];
    while (s < end && isDigit(b[s])) s++;
  }
  return null;
}

/** EPRT |af|addr|port| → [addr (IPv4 or -1), port] or null (RFC 2428 2). */
export function parseEprt(b: Uint8Array, off: number, end: number): [number, number] | null {
  const s = latin1(b, off, end).trim();
  if (s.length < 7) return null;
  const d = s[0];
  const f = s.split(d);
  if (f.length < 5) return null;
  const port = Number(f[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  let addr = -1;
  if (f[1] === '1') {
    const q = f[2].split('.').map(Number);
    if (q.length !== 4 || q.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return null;
    addr = ((q[0] << 24) | (q[1] << 16) | (q[2] << 8) | q[3]) >>> 0;
  }
  return [addr, port];
}

/** EPSV reply "229 Entering Extended Passive Mode (|||port|)" → port or -1. */
export function parseEpsv(b: Uint8Array, off: number, end: number): number {
  const o = b.indexOf(40, off);
  if (o < 0 || o >= end || o + 5 > end) return -1;
  const d = b[o + 1];
  if (b[o + 2] !== d || b[o + 3] !== d) return -1;
  let i = o + 4, n = 0, k = 0;
  while (i < end && isDigit(b[i]) && k < 6) { n = n * 10 + b[i] - 48; i++; k++; }
  return k > 0 && i < end && b[i] === d && n <= 65535 ? n : -1;
}

export class FtpState {
  private readonly cli = new LineCarry();
  private readonly srv = new LineCarry();
  /** Commands awaiting their final reply, oldest first. */
  private readonly open: FtpTx[] = [];
  private nextId = 0;
  /** The reply being read (multi-line "NNN-"), and its code. */
  private replyTx: FtpTx | null = null;
  private replyCode = -1;
  /** Last PORT/EPRT of the session (Suricata FtpState port_line, for ftpbounce). */
  lastPort: FtpTx | null = null;

  /**
   * `clientV4()`: the client's IPv4 address (host order) or -1 (IPv6 / unknown), for ftpbounce.
   * `onExpect`: a data connection the control channel announced (PORT/EPRT/PASV/EPSV).
   */
  constructor(private readonly sink: TxSink, private readonly clientV4: () => number = () => -1,
    private readonly onExpect: (e: FtpExpect) => void = () => {}) {}

  feed(b: Uint8Array, off: number, len: number, toServer: boolean): void {
    const end = off + len;
    const L = toServer ? this.cli : this.srv;
    let p = off;
    while (p < end) {
      const nl = lfIndex(b, p, end);
      if (nl < 0) { L.carry(b, p, end); return; }
      L.complete(b, p, nl);
      this.line(L.lineBuf, L.lineOff, L.lineEnd, toServer, L.lineCut);
      p = nl + 1;
    }
  }

  private line(b: Uint8Array, off: number, end: number, toServer: boolean, cut: boolean): void {
    if (toServer) this.command(b, off, end, cut); else this.reply(b, off, end, cut);
  }

  private command(b: Uint8Array, off: number, end: number, cut: boolean): void {
    let s = off;
    while (s < end && (b[s] === 32 || b[s] === 9)) s++;
    if (s === end) return;
    let e = s;
    while (e < end && b[e] !== 32) e++;
    const t = new FtpTx(this.nextId++);
    t.command = b.slice(s, e);
    let a = e;
    while (a < end && b[a] === 32) a++;
    t.commandData = a < end ? b.slice(a, end) : null;
    if (cut) t.events.push('ftp.request_command_too_long');
    const verb = latin1(t.command).toUpperCase();
    if (verb === 'PORT' || verb === 'EPRT') {
      const hp = verb === 'PORT' ? parseHostPort(b, a, end) : parseEprt(b, a, end);
      if (hp !== null) {
        t.portAddr = hp[0]; t.dynamicPort = hp[1]; t.mode = 'active';
        const c = this.clientV4();
        if (hp[0] >= 0 && c >= 0) t.bounce = hp[0] !== c ? 1 : 0;
        this.lastPort = t;
        this.onExpect({ addr: hp[0], port: hp[1], toClient: true });
      }
    } else if (verb === 'PASV' || verb === 'EPSV') t.mode = 'passive';
    if (this.open.length >= MAX_OPEN) this.finish(this.open.shift()!);
    this.open.push(t);
    t.progress |= TO_SERVER;
    this.sink(t, TO_SERVER);
  }

  private reply(b: Uint8Array, off: number, end: number, cut: boolean): void {
    const coded = end - off >= 3 && isDigit(b[off]) && isDigit(b[off + 1]) && isDigit(b[off + 2]);
    const more = coded && end - off > 3 && b[off + 3] === 45;
    let t = this.replyTx;
    if (t === null) {
      if (!coded) return; // text outside a reply
      t = this.open.length ? this.open[0] : null;
      if (t === null) {
        // Unsolicited reply (the welcome banner): a transaction without a command.
        t = new FtpTx(this.nextId++);
        t.progress |= TO_SERVER;
        this.open.push(t);
      }
      this.replyTx = t;
      this.replyCode = (b[off] - 48) * 100 + (b[off + 1] - 48) * 10 + (b[off + 2] - 48);
      t.codes.push(b.slice(off, off + 3));
    }
    if (cut) t.events.push('ftp.response_command_too_long');
    const textOff = coded ? Math.min(end, off + 4) : off;
    if (t.replies.length < MAX_REPLY_LINES) t.replies.push(b.slice(textOff, end));
    const code = this.replyCode;
    // A multi-line reply ends at a line "NNN " with its own code (RFC 959 4.2); other lines continue it.
    if (more || !coded || (b[off] - 48) * 100 + (b[off + 1] - 48) * 10 + (b[off + 2] - 48) !== code) return;
    this.replyTx = null;
    if (code === 227) {
      const hp = parseHostPort(b, off + 4, end);
      if (hp !== null) { t.dynamicPort = hp[1]; this.onExpect({ addr: hp[0], port: hp[1], toClient: false }); }
    } else if (code === 229) {
      const port = parseEpsv(b, off + 4, end);
      if (port >= 0) { t.dynamicPort = port; this.onExpect({ addr: -1, port, toClient: false }); }
    }
    if (code >= 200) {
      const i = this.open.indexOf(t);
      if (i >= 0) this.open.splice(i, 1);
      this.finish(t);
    }
  }

  private finish(t: FtpTx): void {
    if (t.progress & TO_CLIENT) return;
    t.progress |= TO_CLIENT;
    this.sink(t, TO_CLIENT);
  }

  close(toServer: boolean): void {
    if (toServer) return;
    // No more replies: commands still waiting complete without one.
    for (const t of this.open) this.finish(t);
    this.open.length = 0;
    this.replyTx = null;
  }
}

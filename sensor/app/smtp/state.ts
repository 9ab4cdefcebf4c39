/**
 * SMTP per-flow state (RFC 5321), with Suricata's app-layer-smtp semantics:
 * - lines end at LF (CRLF or bare LF); a line longer than 510 bytes raises
 *   smtp.max_command_line_len_exceeded / smtp.max_reply_line_len_exceeded, lines are kept up to
 *   4096 bytes (Suricata SMTP_LINE_BUFFER_LIMIT) and the rest is cut (smtp.truncated_line);
 * - commands wait in a FIFO for their replies (pipelining, RFC 2920); a reply line "NNN-" is
 *   continued, "NNN " / "NNN" ends the reply of the oldest pending command; the first reply is
 *   the server's welcome and matches no command;
 * - one transaction per mail: created by the first command when there is none or the
 *   previous one is done (RSET / QUIT do not start one); done at the end of DATA ("."), at the
 *   last BDAT chunk, after a 250 to RSET, when STARTTLS is accepted, or at flow end;
 * - DATA: the body starts after 354 (at once when the server announced PIPELINING); lines
 *   are dot-unstuffed and kept up to 1 MiB (BODY_LIMIT);
 *   a DATA answered otherwise raises smtp.data_command_rejected;
 * - BDAT n [LAST] (RFC 3030): the next n bytes are body, binary, not unstuffed;
 * - STARTTLS answered 220: the rest of the stream is not SMTP; `onStartTls` asks the app
 *   layer for a protocol change to TLS (Suricata AppLayerRequestProtocolTLSUpgrade);
 *   answered otherwise: smtp.tls_rejected.
 * The message is MIME-decoded when the transaction completes (smtp/mime.ts): attachments
 * are the transaction's files (file.data, file.name), as Suricata's decode-mime default.
 * Per chunk the parser allocates nothing unless it keeps bytes (a line split across
 * chunks, values of HELO/MAIL/RCPT, the message body).
 */
import { AppProto, BUF, latin1, lfIndex, TO_CLIENT, TO_SERVER, TxMarks, type AppTx, type TxSink } from '../types.js';
import { decodeMime, type MimeFile } from './mime.js';
import { LineCarry } from '../lines.js';

/** RFC 5321 4.5.3.1.4/1.5: 512 bytes with CRLF; Suricata SMTP_MAX_REQUEST_AND_REPLY_LINE_LENGTH. */
const MAX_LINE = 510;
/**
 * Message bytes kept per transaction for MIME decoding. Suricata decodes MIME as a stream and
 * limits the decoded files (inspected-tracker content-limit 100,000, smtp/mime.ts FILE_LIMIT);
 * decoding here runs once per mail over the kept message, so the raw limit must hold a
 * base64 attachment of that size (4/3 + headers): smtp-data-rejected's 72,689-byte .xls
 * arrives as 99,8xx message bytes. 1 MiB bounds memory per mail in progress.
 */
export const BODY_LIMIT = 1 << 20;
/** Commands awaiting a reply; beyond this a pipelined burst is not tracked (Suricata grows its buffer; 64 is ample for RFC 2920 groups). */
const MAX_PENDING = 64;

const enum Cmd { OTHER = 0, STARTTLS = 1, DATA = 2, BDAT = 3, DATA_END = 4, RSET = 5, HELO = 6 }

export class SmtpTx implements AppTx {
  readonly marks = new TxMarks();
  readonly proto = AppProto.SMTP;
  progress = 0;
  events: string[] = [];
  helo: Uint8Array | null = null;
  mailFrom: Uint8Array | null = null;
  readonly rcptTo: Uint8Array[] = [];
  /**
   * Message bytes (dot-unstuffed DATA or BDAT chunks), up to BODY_LIMIT, in one buffer
   * grown by doubling: a slice per line cost 2 allocations per line (0.55 Gbit/s for a
   * base64 mail through AppLayer; see NOTES).
   */
  body: Uint8Array = EMPTY_BODY;
  bodyLen = 0;
  bodyTotal = 0;
  /** DATA accepted or BDAT seen: the tx carries a message. */
  isData = false;
  done = false;
  files: MimeFile[] = [];
  constructor(readonly id: number) {}

  buffer(id: number, i: number): Uint8Array | null {
    switch (id) {
      case BUF.SMTP_HELO: return i === 0 ? this.helo : null;
      case BUF.SMTP_MAIL_FROM: return i === 0 ? this.mailFrom : null;
      case BUF.SMTP_RCPT_TO: return i < this.rcptTo.length ? this.rcptTo[i] : null;
      case BUF.FILE_DATA: return i < this.files.length ? this.files[i].data : null;
      case BUF.FILE_NAME: return i < this.files.length ? this.files[i].name : null;
      default: return null;
    }
  }

  num(): number { return NaN; }

  /** The message as received (dot-unstuffed). */
  message(): Uint8Array {
    return this.body.subarray(0, this.bodyLen);
  }

  append(b: Uint8Array, off: number, end: number): void {
    const n = end - off;
    if (this.bodyLen + n > this.body.length) {
      let cap = Math.max(this.body.length * 2, 4096);
      while (cap < this.bodyLen + n) cap *= 2;
      const g = new Uint8Array(Math.min(cap, BODY_LIMIT));
      g.set(this.body.subarray(0, this.bodyLen));
      this.body = g;
    }
    this.body.set(b.subarray(off, end), this.bodyLen);
    this.bodyLen += n;
  }

  eve(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    if (this.helo) o.helo = latin1(this.helo);
    if (this.mailFrom) o.mail_from = latin1(this.mailFrom);
    if (this.rcptTo.length) o.rcpt_to = this.rcptTo.map((r) => latin1(r));
    if (this.files.length) o.attachments = this.files.map((f) => (f.name ? latin1(f.name) : ''));
    return o;
  }
}

function lower(c: number): number { return c >= 65 && c <= 90 ? c | 0x20 : c; }

/** Case-insensitive: does b[off..end) start with the lower-case ASCII word w? */
function startsWithCI(b: Uint8Array, off: number, end: number, w: string): boolean {
  if (end - off < w.length) return false;
  for (let i = 0; i < w.length; i++) if (lower(b[off + i]) !== w.charCodeAt(i)) return false;
  return true;
}

/** Is c the end of a command word (SP, TAB or end of line)? */
function wordEnd(b: Uint8Array, p: number, end: number): boolean {
  return p >= end || b[p] === 32 || b[p] === 9;
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/**
 * A command's parameter as Suricata keeps it (SMTPParseCommandWithParam): after `prefix`
 * bytes and one separator, spaces skipped, up to the next space (RFC 1870 SIZE= and other
 * MAIL parameters follow a space).
 */
function param(b: Uint8Array, off: number, end: number, prefix: number): Uint8Array {
  let i = off + prefix + 1;
  while (i < end && b[i] === 32) i++;
  let e = i;
  while (e < end && b[e] !== 32) e++;
  return i < e ? b.slice(i, e) : new Uint8Array(0);
}

export class SmtpState {
  private readonly cli = new LineCarry();
  private readonly srv = new LineCarry();
  private readonly pending = new Uint8Array(MAX_PENDING);
  private pHead = 0;
  private pCount = 0;
  private cur: SmtpTx | null = null;
  private nextId = 0;
  helo: Uint8Array | null = null;
  private firstReply = false;
  private pipelining = false;
  /** Client bytes are message body (DATA accepted). */
  private dataMode = false;
  /** Remaining bytes of the current BDAT chunk, and whether it is the LAST one. */
  private bdatLeft = 0;
  private bdatLast = false;
  /** STARTTLS accepted (or the stream is otherwise no longer SMTP): both directions stop. */
  private tls = false;
  private readonly closed: [boolean, boolean] = [false, false];
  /** Events raised while no transaction exists (they go to the next one, as far as Suricata's curr_tx allows). */
  counters = { lines: 0, replies: 0, txs: 0 };

  constructor(private readonly sink: TxSink, private readonly onStartTls: () => void = () => {}) {}

  feed(b: Uint8Array, off: number, len: number, toServer: boolean): void {
    if (this.tls) return;
    const end = off + len;
    let p = off;
    const L = toServer ? this.cli : this.srv;
    while (p < end && !this.tls) {
      if (toServer && this.bdatLeft > 0) {
        const n = Math.min(this.bdatLeft, end - p);
        this.addBody(b, p, p + n);
        this.bdatLeft -= n; p += n;
        if (this.bdatLeft === 0 && this.bdatLast) this.complete();
        continue;
      }
      const nl = lfIndex(b, p, end);
      // Unfinished line: carry it (bounded, Suricata SMTP_LINE_BUFFER_LIMIT).
      if (nl < 0) { L.carry(b, p, end); return; }
      L.complete(b, p, nl);
      this.line(L.lineBuf, L.lineOff, L.lineEnd, L.lineRaw, toServer, L.lineCut);
      p = nl + 1;
    }
  }

  private event(name: string): void {
    this.cur?.events.push(name);
  }

  private line(b: Uint8Array, off: number, end: number, raw: number, toServer: boolean, cut: boolean): void {
    this.counters.lines++;
    if (toServer) {
      if (this.dataMode) { this.dataLine(b, off, end); return; }
      this.command(b, off, end);
      if (end - off > MAX_LINE) this.event('smtp.max_command_line_len_exceeded');
      if (cut) this.event('smtp.truncated_line');
    } else {
      this.reply(b, off, end);
      if (end - off > MAX_LINE) this.event('smtp.max_reply_line_len_exceeded');
      if (cut) this.event('smtp.truncated_line');
    }
    void raw;
  }

  private dataLine(b: Uint8Array, off: number, end: number): void {
    if (end - off === 1 && b[off] === 46) {
      // End of message: the 250 that follows answers the DATA_END pseudo-command.
      this.dataMode = false;
      this.push(Cmd.DATA_END);
      this.complete();
      return;
    }
    // RFC 5321 4.5.2: a leading "." of a message line was doubled by the client.
    const s = b[off] === 46 ? off + 1 : off;
    this.addBody(b, s, end);
    this.addBody(CRLF, 0, 2);
  }

  private addBody(b: Uint8Array, off: number, end: number): void {
    const t = this.cur;
    if (t === null) return;
    t.bodyTotal += end - off;
    const take = Math.min(end - off, BODY_LIMIT - t.bodyLen);
    if (take <= 0) return;
    t.append(b, off, off + take);
  }

  private tx(): SmtpTx {
    let t = this.cur;
    if (t === null) { t = new SmtpTx(this.nextId++); t.helo = this.helo; this.cur = t; this.counters.txs++; }
    return t;
  }

  private push(c: Cmd): void {
    if (this.pCount === MAX_PENDING) return;
    this.pending[(this.pHead + this.pCount) % MAX_PENDING] = c;
    this.pCount++;
  }

  private command(b: Uint8Array, off: number, end: number): void {
    const quitOrRset = startsWithCI(b, off, end, 'rset') || startsWithCI(b, off, end, 'quit');
    // Suricata: a command opens a transaction unless one is open; RSET/QUIT after a finished mail do not.
    if (this.cur === null || (this.cur.done && !quitOrRset)) {
      if (this.cur !== null && this.cur.done) this.cur = null;
      if (this.cur === null && (!quitOrRset || this.nextId === 0)) this.tx();
    }
    const t = this.cur;
    let c = Cmd.OTHER;
    if ((startsWithCI(b, off, end, 'helo') || startsWithCI(b, off, end, 'ehlo')) && wordEnd(b, off + 4, end)) {
      this.helo = param(b, off, end, 4);
      if (t !== null && !t.done) t.helo = this.helo;
      c = Cmd.HELO;
    } else if (startsWithCI(b, off, end, 'mail from')) {
      if (t !== null) { if (t.mailFrom !== null) t.events.push('smtp.duplicate_fields'); t.mailFrom = param(b, off, end, 9); }
    } else if (startsWithCI(b, off, end, 'rcpt to')) {
      if (t !== null) t.rcptTo.push(param(b, off, end, 7));
    } else if (startsWithCI(b, off, end, 'starttls') && wordEnd(b, off + 8, end)) {
      c = Cmd.STARTTLS;
    } else if (startsWithCI(b, off, end, 'data') && wordEnd(b, off + 4, end)) {
      c = Cmd.DATA;
      if (t !== null) {
        if (t.isData) { t.events.push('smtp.unparsable_content'); return; }
        t.isData = true;
      }
      // Suricata enters data mode at once when the server announced PIPELINING.
      if (this.pipelining) this.dataMode = true;
    } else if (startsWithCI(b, off, end, 'bdat') && wordEnd(b, off + 4, end)) {
      c = Cmd.BDAT;
      let i = off + 5, n = 0, digits = 0;
      while (i < end && b[i] === 32) i++;
      while (i < end && isDigit(b[i]) && digits < 10) { n = n * 10 + b[i] - 48; i++; digits++; }
      while (i < end && b[i] === 32) i++;
      if (digits === 0) this.event('smtp.unparsable_content');
      else {
        if (t !== null) t.isData = true;
        this.bdatLeft = n;
        this.bdatLast = startsWithCI(b, i, end, 'last');
        if (n === 0 && this.bdatLast) this.complete();
      }
    } else if (quitOrRset && (b[off] | 0x20) === 114) c = Cmd.RSET;
    this.push(c);
  }

  private reply(b: Uint8Array, off: number, end: number): void {
    this.counters.replies++;
    if (end - off < 3 || !isDigit(b[off]) || !isDigit(b[off + 1]) || !isDigit(b[off + 2])) {
      this.event('smtp.invalid_reply');
      return;
    }
    const code = (b[off] - 48) * 100 + (b[off + 1] - 48) * 10 + (b[off + 2] - 48);
    const more = end - off > 3 && b[off + 3] === 45;
    if (!this.firstReply) {
      // The server's welcome (220) precedes every command; it answers none.
      this.firstReply = true;
      if (this.pCount === 0) return;
      if (code !== 220) this.event('smtp.no_server_welcome_message');
    }
    if (this.pCount === 0) { if (!more) this.event('smtp.unable_to_match_reply_with_request'); return; }
    const c = this.pending[this.pHead];
    if (c === Cmd.HELO && code === 250) {
      // RFC 2920: "250-PIPELINING" / "250 PIPELINING" in the EHLO reply.
      if (end - off >= 14 && startsWithCI(b, off + 4, end, 'pipelining')) this.pipelining = true;
    }
    if (more) return;
    this.pHead = (this.pHead + 1) % MAX_PENDING; this.pCount--;
    switch (c) {
      case Cmd.STARTTLS:
        if (code === 220) {
          this.complete();
          this.tls = true;
          this.onStartTls();
        } else this.event('smtp.tls_rejected');
        break;
      case Cmd.DATA:
        // A pipelining client may have sent (and ended) the message before this reply.
        if (code === 354) { if (this.cur !== null && this.cur.isData && !this.cur.done) this.dataMode = true; }
        else {
          this.event('smtp.data_command_rejected');
          this.dataMode = false;
          if (this.cur !== null) this.cur.isData = false;
        }
        break;
      case Cmd.RSET:
        if (code === 250) this.complete();
        break;
    }
  }

  /** The current transaction is done: MIME-decode its message and hand both sides over. */
  private complete(): void {
    const t = this.cur;
    if (t === null || t.done) return;
    t.done = true;
    if (t.bodyLen > 0) {
      const r = decodeMime(t.message());
      t.files = r.files;
      for (const e of r.events) t.events.push(e);
    }
    t.progress = TO_SERVER | TO_CLIENT;
    this.sink(t, TO_SERVER);
    this.sink(t, TO_CLIENT);
  }

  close(toServer: boolean): void {
    this.closed[toServer ? 0 : 1] = true;
    // Suricata completes the open transaction when the flow ends (either side closing
    // ends the session for SMTP: no further command can be answered).
    this.complete();
  }
}

const CRLF = new Uint8Array([13, 10]);
const EMPTY_BODY = new Uint8Array(0);

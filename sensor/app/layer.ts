/**
 * The app layer of one worker: per flow slot, the detected protocol (`proto`, the flow
 * record's app_proto) and that protocol's parser state. TCP bytes come in order from the
 * reassembler (data / gap / close), UDP datagrams from the packet path. Completed
 * transaction sides go to `onTx(slot, tx, dir)` (detection, logging).
 * Per-flow objects are allocated once per flow at detection; the per-chunk path allocates
 * only what a parser keeps (copies of buffered bytes).
 */
import { AppProto, APP_PROTO_NAMES, type AppTx } from './types.js';
import { HttpState } from './http/state.js';
import { DnsState } from './dns/parser.js';
import { TlsState } from './tls/state.js';
import { SshState } from './ssh/state.js';
import { SmtpState } from './smtp/state.js';
import { FtpState, type FtpExpect } from './ftp/state.js';
import { Http2State } from './http2/state.js';
import { NOT_HTTP2, probeHttp2 } from './http2/probe.js';
import { bareRequestLine, probeTcp, probeUdp } from './probe.js';
import { DEFAULT_HTTP_CONFIG, type HttpConfig } from './http/config.js';

/** Bytes of a direction kept while the protocol is not yet known. */
const PENDING_MAX = 16384;
/** FTP data connections awaited at once per worker. */
const MAX_EXPECT = 1024;

export type AnyState = HttpState | DnsState | TlsState | SshState | Http2State | SmtpState | FtpState;

export interface AppCounters {
  detected: number[];
  failed: number;
  gaps: number;
  txs: number;
  dnsMalformed: number;
  /** Protocol changes asked (STARTTLS accepted). */
  changes: number;
}

/** Probe states per direction bit: 1 = to-server failed, 2 = to-client failed. */
export class AppLayer {
  /** AppProto per flow slot ('' / http / dns / tls / ssh / failed via APP_PROTO_NAMES). */
  readonly proto: Uint8Array;
  private readonly probeFail: Uint8Array;
  /** Probe bytes of a direction not yet decisive (slot*2 + dir), copied; null when none. */
  private readonly pending: (Uint8Array | null)[];
  readonly state: (AnyState | null)[];
  /**
   * 1 when the flow's initiator (per the flow table) is the server: a midstream pickup
   * whose first data is an HTTP response (Suricata reverses the flow then; bug-7552-01).
   * The app layer swaps directions for the slot; AppStage swaps endpoints.
   */
  readonly reversed: Uint8Array;
  /**
   * The protocol detected per direction (slot*2 = to server, slot*2+1 = to client), as
   * Suricata's alproto_ts / alproto_tc for `app-layer-protocol:NAME,to_server`: the direction
   * that identified the flow gets its protocol; the other direction is probed on its own
   * first bytes: a different protocol is recorded (an HTTP client talking to an SSH server),
   * a failed probe follows the flow's protocol. Parsing stays one protocol per flow.
   */
  readonly protoDir: Uint8Array;
  /**
   * Protocol change in progress (Suricata FLOW_CHANGE_PROTO): the protocol the old parser
   * asked for (SMTP STARTTLS → TLS), 0 when none. The next data of each direction is
   * probed afresh; the flag stays until both directions are identified again, and a second
   * change asked meanwhile fails (HTTP `101 Upgrade: h2c` → http.failed_protocol_change).
   */
  readonly changing: Uint8Array;
  /** The protocol before the change (restored when re-detection fails in both directions). */
  private readonly changeOrig: Uint8Array;
  /** A slot's client (or server) IPv4 address, host order, or -1; set by AppStage (FTP). */
  addrV4: ((slot: number, client: boolean) => number) | null = null;
  /**
   * A slot's client (or server) address as an expectation key: an IPv4 address is its
   * host-order number, an IPv6 address its four words joined by dots; set by AppStage.
   */
  addrKey: ((slot: number, client: boolean) => string) | null = null;
  /**
   * FTP data connections announced on control channels (PORT/EPRT/PASV/EPSV), keyed by the
   * data connection's listening endpoint "addr:port"; oldest dropped beyond MAX_EXPECT. A
   * new flow whose server endpoint is expected is ftp-data (Suricata app-layer-expectation),
   * not probed. An IPv4 PORT/PASV/EPRT names the address; EPSV, and EPRT with an IPv6
   * address, use the control connection's (EPRT: the client's, EPSV: the server's), as
   * Suricata's expectations take the control flow's addresses.
   */
  private readonly expects = new Map<string, number>();
  /** libhtp settings for new HTTP flows (sensor config `app.http`). */
  httpCfg: HttpConfig = DEFAULT_HTTP_CONFIG;
  readonly counters: AppCounters = { detected: APP_PROTO_NAMES.map(() => 0), failed: 0, gaps: 0, txs: 0, dnsMalformed: 0, changes: 0 };

  constructor(readonly cap: number, private readonly onTx: (slot: number, tx: AppTx, dir: number) => void) {
    this.proto = new Uint8Array(cap);
    this.probeFail = new Uint8Array(cap);
    this.reversed = new Uint8Array(cap);
    this.protoDir = new Uint8Array(cap * 2);
    this.changing = new Uint8Array(cap);
    this.changeOrig = new Uint8Array(cap);
    this.state = new Array(cap).fill(null);
    this.pending = new Array(cap * 2).fill(null);
  }

  name(slot: number): string {
    return APP_PROTO_NAMES[this.proto[slot]];
  }

  private create(slot: number, p: number): AnyState | null {
    const sink = (tx: AppTx, dir: number): void => { this.counters.txs++; this.onTx(slot, tx, dir); };
    this.proto[slot] = p;
    this.counters.detected[p]++;
    const s = p === AppProto.HTTP ? new HttpState(sink, this.httpCfg) : p === AppProto.DNS ? new DnsState(sink)
      : p === AppProto.HTTP2 ? new Http2State(sink, this.httpCfg.responseBodyLimit) : p === AppProto.TLS ? new TlsState(sink) : p === AppProto.SSH ? new SshState(sink)
      : p === AppProto.SMTP ? new SmtpState(sink, () => this.requestChange(slot, AppProto.TLS))
      : p === AppProto.FTP ? new FtpState(sink, () => (this.addrV4 !== null ? this.addrV4(slot, true) : -1), (e) => this.expect(slot, e)) : null;
    // HTTP/1 `101 Upgrade: h2c` asks for a change too; it fails while another change is
    // still in progress (Suricata AppLayerRequestProtocolChange).
    if (s instanceof HttpState) s.onUpgrade = () => this.changing[slot] === 0;
    this.state[slot] = s;
    return s;
  }

  /**
   * The parser of a slot asks to hand the stream to another protocol (SMTP STARTTLS).
   * Returns false when a change is already in progress.
   */
  requestChange(slot: number, expect: number): boolean {
    if (this.changing[slot] !== 0) return false;
    this.changing[slot] = expect;
    this.changeOrig[slot] = this.proto[slot];
    this.proto[slot] = AppProto.UNKNOWN;
    this.probeFail[slot] = 0;
    this.protoDir[slot * 2] = 0; this.protoDir[slot * 2 + 1] = 0;
    this.pending[slot * 2] = null; this.pending[slot * 2 + 1] = null;
    this.counters.changes++;
    return true;
  }

  /** An FTP control channel announced a data connection (see `expects`). */
  private expect(slot: number, e: FtpExpect): void {
    if (this.addrKey === null) return;
    // PORT/EPRT name the client's listening address; PASV names the server's; EPSV only a
    // port on the control connection's server.
    const k = `${e.addr >= 0 ? String(e.addr) : this.addrKey(slot, e.toClient)}:${e.port}`;
    this.expects.delete(k);
    if (this.expects.size >= MAX_EXPECT) this.expects.delete(this.expects.keys().next().value as string);
    this.expects.set(k, slot);
  }

  /** In-order TCP bytes of one direction. */
  data(slot: number, toServer: boolean, b: Uint8Array, off: number, len: number, sport: number, dport: number): void {
    if (len <= 0) return;
    let p = this.proto[slot];
    if (p === AppProto.FAILED) return;
    if (this.reversed[slot] === 1) toServer = !toServer;
    let s = this.state[slot];
    if (p === AppProto.UNKNOWN && this.expects.size > 0 && this.addrKey !== null && this.changing[slot] === 0) {
      const k = `${this.addrKey(slot, false)}:${this.reversed[slot] === 1 ? sport : dport}`;
      if (this.expects.delete(k)) {
        this.create(slot, AppProto.FTP_DATA);
        this.protoDir[slot * 2] = AppProto.FTP_DATA; this.protoDir[slot * 2 + 1] = AppProto.FTP_DATA;
        return;
      }
    }
    if (p === AppProto.UNKNOWN) {
      const bit = toServer ? 1 : 2;
      const pi = slot * 2 + (toServer ? 0 : 1);
      if (this.probeFail[slot] & bit) {
        // Keep this direction's bytes (bounded) in case the other direction identifies the
        // protocol: Suricata then parses both directions (a request line the probe refuses,
        // answered by "HTTP/1.0 400", is still a request).
        const prev = this.pending[pi];
        if (prev !== null && prev.length + len <= PENDING_MAX) {
          const m = new Uint8Array(prev.length + len); m.set(prev); m.set(b.subarray(off, off + len), prev.length); this.pending[pi] = m;
        } else if (prev !== null) this.pending[pi] = null;
        return;
      }
      const prev = this.pending[pi];
      if (prev !== null) {
        const m = new Uint8Array(prev.length + len);
        m.set(prev); m.set(b.subarray(off, off + len), prev.length);
        this.pending[pi] = null;
        b = m; off = 0; len = m.length;
      }
      // HTTP/2 first: its preface "PRI * HTTP/2.0" looks like an HTTP/1 request line.
      let r = probeHttp2(b, off, len, toServer);
      if (r === NOT_HTTP2) r = probeTcp(b, off, len, toServer, sport, dport);
      if (r === AppProto.HTTP && toServer && prev === null && this.pending[pi ^ 1] === null && this.probeFail[slot] === 0
        && len >= 5 && b[off] === 72 && b[off + 1] === 84 && b[off + 2] === 84 && b[off + 3] === 80 && b[off + 4] === 47) {
        // The first data of the flow is a response: the "client" is the server.
        this.reversed[slot] = 1;
        this.data(slot, true, b, off, len, sport, dport);
        return;
      }
      if (r === AppProto.UNKNOWN) { this.pending[pi] = b.slice(off, off + len); return; }
      if (r === AppProto.FAILED) {
        this.probeFail[slot] |= bit;
        this.pending[pi] = len <= PENDING_MAX ? b.slice(off, off + len) : null;
        if (this.probeFail[slot] === 3 && this.changing[slot] !== 0) {
          // Neither direction is a known protocol after the change: keep the old name, parse nothing.
          this.proto[slot] = this.changeOrig[slot]; this.changing[slot] = 0; this.state[slot] = null;
          this.pending[slot * 2] = null; this.pending[slot * 2 + 1] = null;
          return;
        }
        if (this.probeFail[slot] === 3) { this.proto[slot] = AppProto.FAILED; this.counters.failed++; this.pending[slot * 2] = null; this.pending[slot * 2 + 1] = null; }
        return;
      }
      p = r;
      s = this.create(slot, p);
      this.protoDir[pi] = p;
      // Bytes the other direction held back while this one was undecided.
      const other = this.pending[pi ^ 1];
      if (other !== null && s !== null) {
        this.pending[pi ^ 1] = null;
        // A direction whose probe failed is replayed only when its bytes fit the protocol
        // the other side identified (HTTP: a bare request line answered by "HTTP/").
        const failed = (this.probeFail[slot] & (toServer ? 2 : 1)) !== 0;
        if (!failed || (p === AppProto.HTTP && !toServer && bareRequestLine(other, 0, other.length))) this.data(slot, !toServer, other, 0, other.length, sport, dport);
      }
    } else if (this.protoDir[slot * 2 + (toServer ? 0 : 1)] === 0) this.probeDir(slot, toServer, b, off, len, sport, dport);
    if (s === null) return;
    switch (p) {
      case AppProto.HTTP: (toServer ? (s as HttpState).request : (s as HttpState).response).feed(b, off, len); break;
      case AppProto.TLS: (s as TlsState).feed(b, off, len, toServer); break;
      case AppProto.SSH: (s as SshState).feed(b, off, len, toServer); break;
      case AppProto.DNS: (s as DnsState).stream(b, off, len, toServer); break;
      case AppProto.SMTP: (s as SmtpState).feed(b, off, len, toServer); break;
      case AppProto.FTP: (s as FtpState).feed(b, off, len, toServer); break;
      case AppProto.HTTP2: (s as Http2State).feed(b, off, len, toServer); break;
    }
  }

  /** First bytes of the direction that did not identify the flow (see protoDir). */
  private probeDir(slot: number, toServer: boolean, b: Uint8Array, off: number, len: number, sport: number, dport: number): void {
    let r = probeHttp2(b, off, len, toServer);
    if (r === NOT_HTTP2) r = probeTcp(b, off, len, toServer, sport, dport);
    if (r === AppProto.UNKNOWN) return;
    this.protoDir[slot * 2 + (toServer ? 0 : 1)] = r === AppProto.FAILED ? this.proto[slot] : r;
    // Both directions identified again: the protocol change is over.
    this.changing[slot] = 0;
  }

  gap(slot: number, toServer: boolean, len: number): void {
    this.counters.gaps++;
    const s = this.state[slot];
    if (s === null) { if (this.proto[slot] === AppProto.UNKNOWN) this.probeFail[slot] |= toServer ? 1 : 2; return; }
    if (s instanceof HttpState) { const h = toServer ? s.request : s.response; h.skip(len); }
    else if (s instanceof TlsState || s instanceof SshState) s.close(toServer);
    else if (s instanceof Http2State) s.gap(toServer);
  }

  close(slot: number, toServer: boolean): void {
    const s = this.state[slot];
    if (s === null) return;
    if (s instanceof HttpState || s instanceof TlsState || s instanceof SshState || s instanceof Http2State || s instanceof SmtpState || s instanceof FtpState) s.close(toServer);
  }

  /** One UDP datagram of a flow. */
  datagram(slot: number, toServer: boolean, b: Uint8Array, off: number, len: number, sport: number, dport: number): void {
    if (len <= 0) return;
    let p = this.proto[slot];
    if (p === AppProto.FAILED) return;
    if (p === AppProto.UNKNOWN) {
      if (probeUdp(b, off, len, sport, dport) !== AppProto.DNS) { this.proto[slot] = AppProto.FAILED; this.counters.failed++; return; }
      p = AppProto.DNS;
      this.create(slot, p);
    }
    this.protoDir[slot * 2 + (toServer ? 0 : 1)] = p;
    const s = this.state[slot] as DnsState;
    if (!s.message(b, off, len, toServer)) this.counters.dnsMalformed++;
  }

  /** Flow ending: close both directions so open transactions complete (idempotent). */
  finish(slot: number): void {
    const s = this.state[slot];
    if (s !== null && !(s instanceof DnsState)) { s.close(true); s.close(false); }
  }

  /** Flow slot ended (the flow table reuses it next). */
  end(slot: number): void {
    this.finish(slot);
    this.state[slot] = null;
    this.proto[slot] = AppProto.UNKNOWN;
    this.probeFail[slot] = 0;
    this.reversed[slot] = 0;
    this.protoDir[slot * 2] = 0;
    this.protoDir[slot * 2 + 1] = 0;
    this.changing[slot] = 0;
    this.pending[slot * 2] = null;
    this.pending[slot * 2 + 1] = null;
  }
}

/**
 * Flow-level TCP bookkeeping per flow slot: flags seen per direction, each endpoint's
 * state as Zeek's TCP analyzer names them (for conn_state) and the Zeek `history` string.
 * This is not stream reassembly (reassembly/ does that); it is what a flow record reports.
 */

/** Endpoint states (Zeek's TCP_INACTIVE ... TCP_RESET). */
export const enum Ep { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET }

// History letters in bit order; lower case for the responder (Zeek conn.log docs).
const LETTERS = 'SHADFRQIW';
const L_S = 0, L_H = 1, L_A = 2, L_D = 3, L_F = 4, L_R = 5, L_Q = 6, L_I = 7, L_W = 8;
const HIST_MAX = 20;
const FLIPPED = 1 << 30;

export class TcpTrack {
  /** Flags ORed per direction: slot*2 + dir. */
  private readonly fl: Uint8Array;
  private readonly ep: Uint8Array;
  private readonly seen: Uint32Array;
  private readonly hist: Uint8Array;
  private readonly histLen: Uint8Array;
  private readonly est: Uint8Array;

  constructor(cap: number) {
    this.fl = new Uint8Array(cap * 2);
    this.ep = new Uint8Array(cap * 2);
    this.seen = new Uint32Array(cap);
    this.hist = new Uint8Array(cap * HIST_MAX);
    this.histLen = new Uint8Array(cap);
    this.est = new Uint8Array(cap);
  }

  reset(slot: number, flipped: boolean): void {
    const s2 = slot * 2;
    this.fl[s2] = 0; this.fl[s2 + 1] = 0;
    this.ep[s2] = Ep.INACTIVE; this.ep[s2 + 1] = Ep.INACTIVE;
    this.seen[slot] = 0;
    this.histLen[slot] = 0;
    this.est[slot] = 0;
    if (flipped) {
      this.seen[slot] = FLIPPED;
      this.hist[slot * HIST_MAX] = 0x5e; // '^'
      this.histLen[slot] = 1;
    }
  }

  private letter(slot: number, dir: number, l: number): void {
    const bit = 1 << (l + dir * 12);
    if (this.seen[slot] & bit) return;
    this.seen[slot] |= bit;
    const n = this.histLen[slot];
    if (n >= HIST_MAX) return;
    const c = LETTERS.charCodeAt(l);
    this.hist[slot * HIST_MAX + n] = dir === 0 ? c : c | 0x20;
    this.histLen[slot] = n + 1;
  }

  /** A TCP packet from direction dir (0 = client to server). */
  packet(slot: number, dir: number, flags: number, payLen: number, window = 1): void {
    const i = slot * 2 + dir, j = slot * 2 + (dir ^ 1);
    this.fl[i] |= flags;
    const syn = (flags & 0x02) !== 0, ack = (flags & 0x10) !== 0, fin = (flags & 0x01) !== 0, rst = (flags & 0x04) !== 0;
    if (syn) this.letter(slot, dir, ack ? L_H : L_S);
    if (syn && (fin || rst)) this.letter(slot, dir, L_Q);
    if (fin && rst) this.letter(slot, dir, L_I);
    if (payLen > 0) this.letter(slot, dir, L_D);
    else if (ack && !syn && !fin && !rst) this.letter(slot, dir, L_A);
    if (fin) this.letter(slot, dir, L_F);
    if (rst) this.letter(slot, dir, L_R);
    if (window === 0 && !rst) this.letter(slot, dir, L_W);

    const e = this.ep[i];
    if (rst) {
      this.ep[i] = Ep.RESET;
      return;
    }
    if (e === Ep.RESET) return;
    if (syn) {
      if (ack) {
        if (e === Ep.INACTIVE || e === Ep.SYN_SENT || e === Ep.PARTIAL) this.ep[i] = Ep.SYN_ACK_SENT;
      } else if (e === Ep.INACTIVE || e === Ep.PARTIAL) this.ep[i] = Ep.SYN_SENT;
    } else {
      if (e === Ep.INACTIVE) this.ep[i] = Ep.PARTIAL;
      if (ack && (this.ep[i] === Ep.SYN_SENT || this.ep[i] === Ep.SYN_ACK_SENT) &&
          (this.ep[j] === Ep.SYN_ACK_SENT || this.ep[j] === Ep.SYN_SENT || this.ep[j] === Ep.ESTABLISHED)) {
        // The handshake's final ACK (or an ACK after simultaneous open): both sides established.
        this.ep[i] = Ep.ESTABLISHED;
        if (this.ep[j] === Ep.SYN_ACK_SENT || this.ep[j] === Ep.SYN_SENT) this.ep[j] = Ep.ESTABLISHED;
        this.est[slot] = 1;
      }
    }
    // Midstream pickup: both sides talking without a handshake seen.
    if (!this.est[slot] && this.ep[i] === Ep.PARTIAL && this.ep[j] !== Ep.INACTIVE) this.est[slot] = 1;
    if (fin && this.ep[i] !== Ep.RESET) this.ep[i] = Ep.CLOSED;
  }

  /** A non-TCP packet: UDP history is D/d (Zeek) and endpoint activity. */
  other(slot: number, dir: number, payLen: number): void {
    const i = slot * 2 + dir;
    this.ep[i] = Ep.ESTABLISHED;
    if (payLen > 0) this.letter(slot, dir, L_D);
  }

  flags(slot: number, dir: number): number {
    return this.fl[slot * 2 + dir];
  }

  endpoint(slot: number, dir: number): number {
    return this.ep[slot * 2 + dir];
  }

  isEstablished(slot: number): boolean {
    return this.est[slot] === 1;
  }

  /** RST from either side, or FIN from both. */
  isClosed(slot: number): boolean {
    const a = this.ep[slot * 2], b = this.ep[slot * 2 + 1];
    return a === Ep.RESET || b === Ep.RESET || (a === Ep.CLOSED && b === Ep.CLOSED);
  }

  closedByRst(slot: number): boolean {
    return this.ep[slot * 2] === Ep.RESET || this.ep[slot * 2 + 1] === Ep.RESET;
  }

  history(slot: number): string {
    const n = this.histLen[slot];
    if (n === 0) return '';
    const o = slot * HIST_MAX;
    return String.fromCharCode(...this.hist.subarray(o, o + n));
  }
}

/** Suricata-style TCP session state name for the flow record. */
export function tcpStateName(t: TcpTrack, slot: number): string {
  const c = t.endpoint(slot, 0), s = t.endpoint(slot, 1);
  if (c === Ep.RESET || s === Ep.RESET) return 'closed';
  if (c === Ep.CLOSED && s === Ep.CLOSED) return 'closed';
  if (c === Ep.CLOSED) return 'fin_wait1';
  if (s === Ep.CLOSED) return 'close_wait';
  if (t.isEstablished(slot)) return 'established';
  if (c === Ep.SYN_SENT && s === Ep.SYN_ACK_SENT) return 'syn_recv';
  if (c === Ep.SYN_SENT) return 'syn_sent';
  return 'none';
}

/**
 * Zeek's conn_state, following the decision list of Zeek's conn/main.zeek `conn_state()`
 * over the two endpoint states (orig = client, resp = server). `bytes` is not consulted
 * except for REJ's "both sides sent nothing" case, approximated by no data letters.
 */
export function zeekConnState(t: TcpTrack, slot: number, isTcp: boolean): string {
  const os = t.endpoint(slot, 0), rs = t.endpoint(slot, 1);
  if (!isTcp) {
    const oa = os !== Ep.INACTIVE, ra = rs !== Ep.INACTIVE;
    if (oa) return ra ? 'SF' : 'S0';
    return ra ? 'SHR' : 'OTH';
  }
  const oInactive = os === Ep.INACTIVE || os === Ep.PARTIAL;
  const rInactive = rs === Ep.INACTIVE || rs === Ep.PARTIAL;
  if (rs === Ep.RESET) {
    const h = t.history(slot);
    if (os === Ep.SYN_SENT || os === Ep.SYN_ACK_SENT || (os === Ep.RESET && !h.includes('D') && !h.includes('d'))) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === Ep.RESET) return rInactive ? 'RSTOS0' : 'RSTO';
  if (rs === Ep.CLOSED && os === Ep.CLOSED) return 'SF';
  if (os === Ep.CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === Ep.CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === Ep.SYN_SENT && rs === Ep.INACTIVE) return 'S0';
  if (os === Ep.ESTABLISHED && rs === Ep.ESTABLISHED) return 'S1';
  return 'OTH';
}

/**
 * TCP session tracking and stream reassembly for every flow of a worker.
 *
 * Input: `onPacket(flow, toServer, seq, ack, flags, win, wscale, sackOk, tsUs, buf, payOff,
 * payLen)` for each TCP packet of a flow, in capture order; `flow` is the flow table's slot.
 * `onFlowEnd(flow)` when the flow ends (flushes, then closes both directions and frees the
 * slot's state); `reset(flow)` when a slot is reused without an end.
 *
 * Output, through a StreamConsumer, per direction and in stream order:
 *   onData(flow, toServer, bytes, off, len, streamOffset) — `bytes[off..off+len)` are the next
 *       len bytes of the stream, starting at `streamOffset` (bytes since the ISN, gaps
 *       included). OWNERSHIP: the view is only valid during the call — it points into the
 *       capture buffer (in-order data in immediate mode) or into a pooled page that is reused
 *       right after; copy anything you keep.
 *   onGap(flow, toServer, streamOffset, len) — len bytes the endpoint received (the peer
 *       ACKed them, or the flow ended) that were never captured. Never glued over.
 *   onClose(flow, toServer) — no more data in that direction (FIN reached, RST, flow end);
 *       called at most once per direction per session.
 * Calls for one flow happen synchronously inside onPacket/onFlowEnd.
 *
 * Delivery: acked mode (default) releases bytes once the peer's ACK covers them, like
 * Suricata's IDS mode; a one-sided session (the peer never sent a packet) is delivered
 * immediately so it never stalls. `immediate: true` delivers in-order bytes on arrival as
 * views of the capture buffer (zero copy); only out-of-order bytes are copied.
 *
 * Per-flow state lives in typed arrays sized by `capacity`; stream i = flow * 2 + (toServer ? 0 : 1).
 */
import { type Seq, seq as toSeq, seqAdd, seqDiff, seqGt, seqGeq, seqLt } from './seq.js';
import { SegmentStore } from './store.js';
import { PolicyTable, StreamPolicy, streamPolicyFromName, type HostPolicy, type StreamPolicyName } from './policies.js';
import { TcpState, Seg, transition, TCP_STATE_NAMES } from './state.js';
import { StreamEvent, STREAM_EVENT_NAMES, TcpCounter, TCP_COUNTER_NAMES, eventNames } from './events.js';

export interface StreamConsumer {
  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number, streamOffset: number): void;
  onGap(flow: number, toServer: boolean, streamOffset: number, len: number): void;
  onClose(flow: number, toServer: boolean): void;
  /** Optional: the session's streams are flushed and closed; per-flow stats are still readable. */
  onSessionEnd?(flow: number): void;
}

export interface TcpReassemblyConfig {
  /** Flow slots (the flow table's capacity). */
  capacity: number;
  /** Bytes of page memory shared by all streams (default 64 MiB). */
  memcap?: number;
  /** Bytes per direction to reassemble (default 1 MiB, 0 = unlimited). */
  depth?: number;
  /** Default overlap policy (default 'bsd', like Suricata). */
  policy?: StreamPolicyName;
  /** Per destination CIDR policies (the server's address decides, like Suricata host-os-policy). */
  hostPolicies?: HostPolicy[];
  /** Deliver in-order data on arrival instead of when ACKed (default false). */
  immediate?: boolean;
  /** Pick up sessions whose handshake was not seen (default true for a mirror port). */
  midstream?: boolean;
  /** Out-of-order bytes one stream may queue before the hole is declared a gap (default 1 MiB). */
  maxOooBytes?: number;
}

export const enum TcpVerdict {
  OK = 0,
  /** A SYN on a closed session: end this flow and start a new one with this packet. */
  REUSE = 1,
  /** Packet ignored (not part of the session per the state machine); counted. */
  IGNORED = 2,
}

const enum F {
  FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  ACK = 0x10,
}

/** Per-stream flag bits. */
const enum SF {
  SYNCED = 1, // base sequence known
  FIN = 2, // FIN seen, sFin valid
  CLOSED = 4, // onClose delivered
  DEPTH = 8, // depth reached: no more content
  WSCALE = 16, // this side's SYN options were seen (sWsOffer valid)
  ACKED = 32, // this side sent an ACK (sLastAck valid)
  WINDOW = 64, // window known (sWin valid)
}

const NONE_POLICY = 255;

export class TcpReassembler {
  readonly counters = new Float64Array(TcpCounter.COUNT);
  readonly eventCounts = new Float64Array(StreamEvent.COUNT);
  readonly store: SegmentStore;
  readonly capacity: number;
  private readonly depth: number;
  private readonly immediate: boolean;
  private readonly midstream: boolean;
  private readonly policies: PolicyTable;

  // Per flow.
  readonly state: Uint8Array;
  readonly events: Uint32Array;
  private readonly policy: Uint8Array;
  private readonly finFirst: Int8Array; // stream parity (0/1) of the first FIN, -1 none
  // Per stream.
  private readonly sIsn: Uint32Array;
  private readonly sNext: Uint32Array; // next in-order sequence number expected
  private readonly sDeliv: Uint32Array; // first sequence number not yet handed to the consumer
  private readonly sMaxEnd: Uint32Array; // highest seq+len seen from this sender
  private readonly sFin: Uint32Array;
  private readonly sLastAck: Uint32Array; // last ACK this side sent (for the peer's data)
  private readonly sWin: Uint32Array; // this side's receive window (scaled)
  private readonly sWscale: Int8Array; // shift in use, -1 unknown
  private readonly sWsOffer: Int8Array; // window scale offered on this side's SYN, -1 none
  private readonly sFlags: Uint16Array;
  private readonly sPkts: Uint32Array;
  private readonly sOff: Float64Array; // stream offset of sDeliv
  private readonly sBytes: Float64Array; // bytes delivered
  private readonly sGaps: Uint32Array;
  private readonly sGapBytes: Float64Array;
  private consumer: StreamConsumer;
  private evictHand = 0;

  constructor(cfg: TcpReassemblyConfig, consumer: StreamConsumer) {
    const n = cfg.capacity;
    this.capacity = n;
    this.consumer = consumer;
    this.depth = cfg.depth ?? 1 << 20;
    this.immediate = cfg.immediate ?? false;
    this.midstream = cfg.midstream ?? true;
    this.policies = new PolicyTable(streamPolicyFromName(cfg.policy ?? 'bsd'), cfg.hostPolicies);
    this.store = new SegmentStore(n * 2, cfg.memcap ?? 64 * 1024 * 1024, cfg.maxOooBytes ?? 1 << 20);
    this.state = new Uint8Array(n);
    this.events = new Uint32Array(n);
    this.policy = new Uint8Array(n).fill(NONE_POLICY);
    this.finFirst = new Int8Array(n).fill(-1);
    const m = n * 2;
    this.sIsn = new Uint32Array(m);
    this.sNext = new Uint32Array(m);
    this.sDeliv = new Uint32Array(m);
    this.sMaxEnd = new Uint32Array(m);
    this.sFin = new Uint32Array(m);
    this.sLastAck = new Uint32Array(m);
    this.sWin = new Uint32Array(m);
    this.sWscale = new Int8Array(m).fill(-1);
    this.sWsOffer = new Int8Array(m).fill(-1);
    this.sFlags = new Uint16Array(m);
    this.sPkts = new Uint32Array(m);
    this.sOff = new Float64Array(m);
    this.sBytes = new Float64Array(m);
    this.sGaps = new Uint32Array(m);
    this.sGapBytes = new Float64Array(m);
  }

  setConsumer(c: StreamConsumer): void {
    this.consumer = c;
  }

  /** Overlap policy for a flow from its server address (IPv4 as a 32-bit number). Call once when the flow starts. */
  setPolicyV4(flow: number, serverAddr: number): void {
    this.policy[flow] = this.policies.forV4(serverAddr);
  }

  setPolicyV6(flow: number, buf: Uint8Array, off: number): void {
    this.policy[flow] = this.policies.forV6(buf, off);
  }

  setPolicy(flow: number, p: StreamPolicy): void {
    this.policy[flow] = p;
  }

  // --- per-flow results (for the flow record) ------------------------------------------------

  reassembledBytes(flow: number, toServer: boolean): number {
    return this.sBytes[flow * 2 + (toServer ? 0 : 1)]!;
  }

  gaps(flow: number, toServer: boolean): number {
    return this.sGaps[flow * 2 + (toServer ? 0 : 1)]!;
  }

  gapBytes(flow: number, toServer: boolean): number {
    return this.sGapBytes[flow * 2 + (toServer ? 0 : 1)]!;
  }

  eventSet(flow: number): string[] {
    return eventNames(this.events[flow]!);
  }

  stateName(flow: number): string {
    return TCP_STATE_NAMES[this.state[flow]!]!;
  }

  stats(): Record<string, number> {
    const o: Record<string, number> = {};
    for (let i = 0; i < TcpCounter.COUNT; i++) o[TCP_COUNTER_NAMES[i]!] = this.counters[i]!;
    for (let i = 0; i < StreamEvent.COUNT; i++) if (this.eventCounts[i]! > 0) o[STREAM_EVENT_NAMES[i]!] = this.eventCounts[i]!;
    o['tcp.reassembly_memuse'] = this.store.pool.usedBytes;
    return o;
  }

  private ev(flow: number, e: StreamEvent): void {
    this.events[flow] |= 1 << e;
    this.eventCounts[e]++;
  }

  // --- the packet path ----------------------------------------------------------------------

  onPacket(
    flow: number, toServer: boolean, seqIn: number, ackIn: number, flags: number, win: number, wscale: number,
    tsUs: number, buf: Uint8Array, payOff: number, payLen: number,
  ): TcpVerdict {
    void tsUs;
    const s = flow * 2 + (toServer ? 0 : 1);
    const r = s ^ 1;
    const sq = toSeq(seqIn);
    const ack = toSeq(ackIn);
    this.sPkts[s]++;
    this.counters[TcpCounter.SEGMENTS]++;
    if (this.policy[flow] === NONE_POLICY) this.policy[flow] = this.policies.defaultPolicy;
    const st = this.state[flow]! as TcpState;

    if (flags & F.RST) return this.onRst(flow, s, r, sq, ack, flags, payLen);

    if (flags & F.SYN) {
      const v = this.onSyn(flow, s, r, sq, ack, flags, win, wscale, st);
      if (v !== TcpVerdict.OK) return v;
      if (payLen > 0) {
        // TCP Fast Open (RFC 7413) or data on SYN/ACK: it occupies isn+1 onwards.
        this.ev(flow, StreamEvent.TFO_DATA);
        this.data(flow, s, r, seqAdd(sq, 1), buf, payOff, payLen);
      }
      if (flags & F.ACK) this.ackPeer(flow, s, r, ack);
      return TcpVerdict.OK;
    }

    // No SYN: pick up or advance the handshake.
    if (st === TcpState.NONE) {
      if (!this.midstream) {
        this.counters[TcpCounter.INVALID]++;
        return TcpVerdict.IGNORED;
      }
      this.sync(s, seqAdd(sq, -1));
      if (flags & F.ACK) this.sync(r, seqAdd(ack, -1));
      this.state[flow] = transition(st, Seg.ACK);
      this.counters[TcpCounter.MIDSTREAM]++;
      this.counters[TcpCounter.SESSIONS]++;
      this.ev(flow, StreamEvent.MIDSTREAM);
    } else {
      if (st === TcpState.SYN_SENT && (this.sFlags[s]! & SF.SYNCED) === 0 && (flags & F.ACK) !== 0 &&
          ack !== seqAdd(this.sIsn[r]! as Seq, 1)) {
        // RFC 793 3.4 (SYN-SENT): an ACK that does not acknowledge our SYN belongs to another
        // (older) connection — the peer answers it with a RST. Not part of this session.
        this.ev(flow, StreamEvent.THREEWHS_ACK_WRONG_SEQ);
        this.counters[TcpCounter.INVALID]++;
        return TcpVerdict.IGNORED;
      }
      if ((this.sFlags[s]! & SF.SYNCED) === 0) {
        // The SYN/ACK (or SYN) of this side was not captured: asynchronous routing or loss.
        this.sync(s, seqAdd(sq, -1));
        this.ev(flow, StreamEvent.ASYNC);
      }
      if ((flags & F.ACK) && (this.sFlags[r]! & SF.SYNCED) === 0) this.sync(r, seqAdd(ack, -1));
      if (st === TcpState.SYN_SENT || st === TcpState.SYN_RECV) {
        if ((flags & F.ACK) && st === TcpState.SYN_RECV && ack !== seqAdd(this.sIsn[r]! as Seq, 1)) {
          this.ev(flow, StreamEvent.THREEWHS_ACK_WRONG_SEQ);
        }
        this.state[flow] = TcpState.ESTABLISHED; // RFC 793: SYN-RECEIVED --ACK--> ESTABLISHED
      }
    }

    // Window bookkeeping (RFC 7323 2.2: the window of a non-SYN segment is scaled).
    if (flags & F.ACK) {
      const shift = this.sWscale[s]! < 0 ? 0 : this.sWscale[s]!;
      const newWin = win * (1 << shift);
      if ((this.sFlags[s]! & (SF.ACKED | SF.WINDOW)) === (SF.ACKED | SF.WINDOW) && payLen === 0 && (flags & F.FIN) === 0) {
        const oldEdge = seqAdd(this.sLastAck[s]! as Seq, this.sWin[s]!);
        const newEdge = seqAdd(ack, newWin);
        // Shrinking the right edge is what RFC 9293 3.8.6 says a receiver should not do; a
        // scaled window loses its low bits, so allow one scale unit of rounding.
        if (this.sWscale[s]! >= 0 && seqDiff(oldEdge, newEdge) > (1 << shift) && seqGeq(ack, this.sLastAck[s]! as Seq)) {
          this.ev(flow, StreamEvent.PKT_BAD_WINDOW_UPDATE);
        }
      }
      this.sWin[s] = newWin >>> 0;
      this.sFlags[s] |= SF.WINDOW;
    }

    if (payLen > 0) this.data(flow, s, r, sq, buf, payOff, payLen);

    if (flags & F.FIN) this.onFin(flow, s, r, seqAdd(sq, payLen));

    if (flags & F.ACK) this.ackPeer(flow, s, r, ack);
    return TcpVerdict.OK;
  }

  private sync(s: number, isn: Seq): void {
    this.sIsn[s] = isn;
    const b = seqAdd(isn, 1);
    this.sNext[s] = b;
    this.sDeliv[s] = b;
    this.sMaxEnd[s] = b;
    this.sFlags[s] |= SF.SYNCED;
  }

  private onSyn(flow: number, s: number, r: number, sq: Seq, ack: Seq, flags: number, win: number, wscale: number, st: TcpState): TcpVerdict {
    const closed = st === TcpState.CLOSED || st === TcpState.TIME_WAIT || st === TcpState.CLOSING || st === TcpState.LAST_ACK;
    if ((flags & F.ACK) === 0) {
      // SYN
      this.counters[TcpCounter.SYN]++;
      if (closed) {
        this.ev(flow, StreamEvent.SYN_AFTER_CLOSE);
        this.counters[TcpCounter.REUSE]++;
        return TcpVerdict.REUSE;
      }
      if (st === TcpState.NONE) {
        this.sync(s, sq);
        this.synOptions(s, win, wscale);
        this.state[flow] = transition(st, Seg.SYN);
        this.counters[TcpCounter.SESSIONS]++;
        return TcpVerdict.OK;
      }
      if ((this.sFlags[s]! & SF.SYNCED) !== 0 && this.sIsn[s] === sq) return TcpVerdict.OK; // retransmitted SYN
      if (st === TcpState.SYN_SENT && (this.sFlags[s]! & SF.SYNCED) !== 0) {
        // A SYN with a new ISN before any answer: the client restarted the attempt.
        this.ev(flow, StreamEvent.THREEWHS_SYN_RESEND_DIFF_SEQ);
        this.store.clear(s);
        this.sync(s, sq);
        this.synOptions(s, win, wscale);
        return TcpVerdict.OK;
      }
      if (st === TcpState.SYN_SENT && (this.sFlags[s]! & SF.SYNCED) === 0) {
        // Simultaneous open (RFC 793 figure 8): both sides sent a SYN.
        this.sync(s, sq);
        this.synOptions(s, win, wscale);
        this.state[flow] = TcpState.SYN_RECV;
        return TcpVerdict.OK;
      }
      this.ev(flow, StreamEvent.EST_SYN_RESEND_DIFF_SEQ);
      this.counters[TcpCounter.INVALID]++;
      return TcpVerdict.IGNORED;
    }
    // SYN/ACK
    this.counters[TcpCounter.SYNACK]++;
    if (st === TcpState.NONE) {
      if (!this.midstream) return TcpVerdict.IGNORED;
      this.sync(s, sq);
      this.sync(r, seqAdd(ack, -1));
      this.synOptions(s, win, wscale);
      this.state[flow] = transition(st, Seg.SYNACK);
      this.counters[TcpCounter.SESSIONS]++;
      this.counters[TcpCounter.MIDSTREAM]++;
      this.ev(flow, StreamEvent.MIDSTREAM);
      return TcpVerdict.OK;
    }
    // The SYN/ACK acknowledges the SYN, and with TCP Fast Open possibly its data (RFC 7413 3).
    if ((this.sFlags[r]! & SF.SYNCED) !== 0 &&
        (seqLt(ack, seqAdd(this.sIsn[r]! as Seq, 1)) || seqGt(ack, seqAdd(this.sMaxEnd[r]! as Seq, 0)))) {
      this.ev(flow, StreamEvent.THREEWHS_SYNACK_WRONG_ACK);
      this.counters[TcpCounter.INVALID]++;
      return TcpVerdict.IGNORED;
    }
    if ((this.sFlags[s]! & SF.SYNCED) !== 0) {
      if (this.sIsn[s] !== sq) {
        this.ev(flow, StreamEvent.THREEWHS_SYNACK_RESEND_DIFF_SEQ);
        if (st === TcpState.SYN_RECV || st === TcpState.SYN_SENT) {
          this.store.clear(s);
          this.sync(s, sq);
        }
      }
      return TcpVerdict.OK;
    }
    this.sync(s, sq);
    this.synOptions(s, win, wscale);
    if ((this.sFlags[r]! & SF.SYNCED) === 0) this.sync(r, seqAdd(ack, -1));
    this.state[flow] = transition(st, Seg.SYNACK);
    return TcpVerdict.OK;
  }

  /**
   * SYN options of side s. RFC 7323 2.2: window scaling is in effect only when both SYNs
   * carried the option; the windows of SYN segments themselves are never scaled.
   */
  private synOptions(s: number, win: number, wscale: number): void {
    const r = s ^ 1;
    this.sWin[s] = win;
    this.sFlags[s] |= SF.WINDOW;
    this.sWsOffer[s] = wscale > 14 ? 14 : wscale; // RFC 7323 2.3: values above 14 are used as 14
    if ((this.sFlags[r]! & SF.SYNCED) !== 0 && (this.sFlags[r]! & SF.WSCALE) !== 0) {
      // This is the second SYN: settle both shifts.
      const both = this.sWsOffer[s]! >= 0 && this.sWsOffer[r]! >= 0;
      this.sWscale[s] = both ? this.sWsOffer[s]! : 0;
      this.sWscale[r] = both ? this.sWsOffer[r]! : 0;
    }
    this.sFlags[s] |= SF.WSCALE; // "SYN options seen"
  }

  private onRst(flow: number, s: number, r: number, sq: Seq, ack: Seq, flags: number, payLen: number): TcpVerdict {
    const st = this.state[flow]! as TcpState;
    this.counters[TcpCounter.RST]++;
    if (payLen > 0) this.ev(flow, StreamEvent.RST_WITH_DATA);
    let valid: boolean;
    if (st === TcpState.NONE) valid = true;
    else if (st === TcpState.SYN_SENT && (this.sFlags[s]! & SF.SYNCED) === 0) {
      // RFC 793: in SYN-SENT a reset is acceptable if its ACK acknowledges the SYN.
      valid = (flags & F.ACK) !== 0 && ack === seqAdd(this.sIsn[r]! as Seq, 1);
    } else if ((this.sFlags[s]! & SF.SYNCED) === 0) valid = true;
    else {
      // RFC 793 3.4 / RFC 9293 3.10.7.4: valid when the sequence number is inside the
      // receiver's window. Window unknown: accept up to 1 GiB past what the sender sent.
      const lo = this.sNext[s]! as Seq;
      const maxEnd = this.sMaxEnd[s]! as Seq;
      const base = seqGt(maxEnd, lo) ? maxEnd : lo;
      const wnd = (this.sFlags[r]! & SF.WINDOW) !== 0 && this.sWscale[r]! >= 0 ? Math.max(this.sWin[r]!, 1) : 1 << 30;
      const d = seqDiff(sq, seqAdd(lo, -1));
      valid = d >= 0 && seqDiff(sq, base) <= wnd;
    }
    if (!valid) {
      this.ev(flow, StreamEvent.RST_INVALID);
      this.counters[TcpCounter.INVALID]++;
      return TcpVerdict.IGNORED;
    }
    this.state[flow] = transition(st, Seg.RST);
    // The receiver discards what it had not read; we hand over what was in order, then close.
    this.flushStream(flow, s, false);
    this.flushStream(flow, r, false);
    return TcpVerdict.OK;
  }

  private onFin(flow: number, s: number, r: number, finSeq: Seq): void {
    if ((this.sFlags[s]! & SF.FIN) !== 0) {
      if (this.sFin[s] !== finSeq) this.ev(flow, StreamEvent.FIN_OUT_OF_WINDOW);
      return;
    }
    this.sFin[s] = finSeq;
    this.sFlags[s] |= SF.FIN;
    const st = this.state[flow]! as TcpState;
    if (this.finFirst[flow] === -1) {
      this.finFirst[flow] = s & 1;
      this.state[flow] = transition(st, Seg.FIN_FIRST);
    } else {
      this.state[flow] = transition(st, Seg.FIN_SECOND);
    }
    if (seqGt(finSeq, this.sMaxEnd[s]! as Seq)) this.sMaxEnd[s] = finSeq;
    void r;
    this.maybeClose(flow, s);
  }

  /** Deliver the peer stream r up to what side s acknowledged; a hole below the ACK is a gap. */
  private ackPeer(flow: number, s: number, r: number, ack: Seq): void {
    if ((this.sFlags[r]! & SF.SYNCED) === 0) return;
    if ((this.sFlags[s]! & SF.ACKED) === 0 || seqGt(ack, this.sLastAck[s]! as Seq)) this.sLastAck[s] = ack;
    this.sFlags[s] |= SF.ACKED;
    // State: the ACK of a FIN.
    if ((this.sFlags[r]! & SF.FIN) !== 0 && seqGt(ack, this.sFin[r]! as Seq)) {
      const st = this.state[flow]! as TcpState;
      if (this.finFirst[flow] === (r & 1)) {
        if (st === TcpState.FIN_WAIT1) this.state[flow] = transition(st, Seg.ACK);
      } else this.state[flow] = transition(st, Seg.ACK_OF_LAST_FIN);
    }
    if ((this.sFlags[r]! & SF.DEPTH) !== 0) {
      this.maybeClose(flow, r);
      return;
    }
    let target = ack;
    if ((this.sFlags[r]! & SF.FIN) !== 0 && seqGt(target, this.sFin[r]! as Seq)) target = this.sFin[r]! as Seq;
    const ahead = seqDiff(target, this.sNext[r]! as Seq);
    if (ahead > 1 << 30) {
      this.ev(flow, StreamEvent.PKT_INVALID_ACK);
      return;
    }
    // An ACK past the bytes we have means the receiver got bytes we did not capture — or that
    // the capture reordered them (a mirror port does: modbus.pcap frames 3149/3150). The gap
    // is declared lazily: when the sender's next segment does not fill the hole (data()), or
    // when the flow ends.
    if (!this.immediate) this.deliver(flow, r, ahead > 0 ? (this.sNext[r]! as Seq) : target);
    this.maybeClose(flow, r);
  }

  /** How far the receiver of stream s acknowledged it (capped at the FIN), or sNext when not ahead. */
  private ackedTarget(s: number): Seq {
    const r = s ^ 1;
    const next = this.sNext[s]! as Seq;
    if ((this.sFlags[r]! & SF.ACKED) === 0) return next;
    let t = this.sLastAck[r]! as Seq;
    if ((this.sFlags[s]! & SF.FIN) !== 0 && seqGt(t, this.sFin[s]! as Seq)) t = this.sFin[s]! as Seq;
    const d = seqDiff(t, next);
    return d > 0 && d <= 1 << 30 ? t : next;
  }

  /** Advance stream s to `target`, emitting gaps for the holes and committing queued data between them. */
  private gapTo(flow: number, s: number, target: Seq): void {
    const store = this.store;
    for (let guard = 0; guard < 1 << 16 && seqLt(this.sNext[s]! as Seq, target); guard++) {
      let holeEnd = target;
      if (store.oCount[s]! > 0) {
        const low = store.oooLowest(s, this.sNext[s]! as Seq);
        if (seqLt(low, holeEnd)) holeEnd = low;
      }
      const len = seqDiff(holeEnd, this.sNext[s]! as Seq);
      if (len > 0) {
        // Everything before the hole goes out first.
        this.deliver(flow, s, this.sNext[s]! as Seq);
        this.emitGap(flow, s, len);
      }
      this.resolve(flow, s);
    }
  }

  private emitGap(flow: number, s: number, len: number): void {
    const off = this.sOff[s]!;
    this.sNext[s] = seqAdd(this.sNext[s]! as Seq, len);
    this.sDeliv[s] = this.sNext[s]!;
    this.sOff[s] = off + len;
    this.sGaps[s]++;
    this.sGapBytes[s] += len;
    this.counters[TcpCounter.GAPS]++;
    this.counters[TcpCounter.GAP_BYTES] += len;
    this.ev(flow, StreamEvent.SEQ_GAP);
    if ((this.sFlags[s]! & SF.DEPTH) === 0) this.consumer.onGap(flow, (s & 1) === 0, off, len);
    this.checkDepth(flow, s);
  }

  /** Payload of a segment from stream s starting at sequence sq. */
  private data(flow: number, s: number, r: number, sq: Seq, buf: Uint8Array, off: number, len: number): void {
    this.counters[TcpCounter.PAYLOAD_BYTES] += len;
    const endSeq = seqAdd(sq, len);
    if (seqGt(endSeq, this.sMaxEnd[s]! as Seq)) this.sMaxEnd[s] = endSeq;
    // Data past a FIN is not part of the stream (RFC 793: nothing follows FIN).
    if ((this.sFlags[s]! & SF.FIN) !== 0 && seqGt(endSeq, this.sFin[s]! as Seq)) {
      this.ev(flow, StreamEvent.PKT_AFTER_FIN);
      const keep = seqDiff(this.sFin[s]! as Seq, sq);
      if (keep <= 0) return;
      len = keep;
    }
    if ((this.sFlags[s]! & (SF.DEPTH | SF.CLOSED)) !== 0) {
      if (seqGeq(this.sNext[s]! as Seq, sq) && seqGt(endSeq, this.sNext[s]! as Seq)) this.sNext[s] = endSeq;
      return;
    }
    // Receiver window (RFC 793 3.3 segment acceptability): drop what lies beyond it.
    if ((this.sFlags[r]! & (SF.ACKED | SF.WINDOW)) === (SF.ACKED | SF.WINDOW) && this.sWscale[r]! >= 0) {
      const edge = seqAdd(this.sLastAck[r]! as Seq, this.sWin[r]!);
      if (seqGt(sq, edge) && seqGt(sq, this.sNext[s]! as Seq)) {
        this.ev(flow, StreamEvent.EST_PACKET_OUT_OF_WINDOW);
        return;
      }
    }
    const store = this.store;
    let rel = seqDiff(sq, this.sNext[s]! as Seq);
    if (rel + len <= 0) {
      // Entirely old: a retransmission. Compare with what is still queued.
      this.ev(flow, StreamEvent.PKT_RETRANSMISSION);
      this.compareOld(flow, s, sq, buf, off, len);
      return;
    }
    if (rel < 0) {
      this.compareOld(flow, s, sq, buf, off, -rel);
      off -= rel;
      len += rel;
      sq = this.sNext[s]! as Seq;
      rel = 0;
    }
    if (rel === 0 && store.oCount[s] === 0) {
      // In order, nothing queued past it: the fast path.
      const full = len;
      len = this.clampDepth(s, len);
      if (len <= 0) return;
      if (this.immediate || this.sPkts[r] === 0) {
        this.deliver(flow, s, this.sNext[s]! as Seq); // anything committed earlier goes first
        if (store.cLen[s]! === 0) {
          this.sNext[s] = seqAdd(sq, full);
          this.sDeliv[s] = this.sNext[s]!;
          this.emitData(flow, s, buf, off, len);
          this.checkDepth(flow, s);
          this.maybeClose(flow, s);
          return;
        }
      }
      let stored = store.append(s, buf, off, len);
      if (stored < len) stored += this.relieve(flow, s, buf, off + stored, len - stored);
      this.sNext[s] = seqAdd(sq, full);
      if (stored < len) {
        // Memory exhausted even after eviction: what could not be stored went straight to the consumer.
        this.sDeliv[s] = this.sNext[s]!;
      }
      this.checkDepth(flow, s);
      this.maybeClose(flow, s);
      return;
    }
    if (rel > 0) {
      // A hole before this segment that the receiver already acknowledged will not be filled.
      const acked = this.ackedTarget(s);
      if (seqGt(acked, this.sNext[s]! as Seq)) {
        this.gapTo(flow, s, seqLt(acked, sq) ? acked : sq);
        if (!this.immediate) this.deliver(flow, s, acked);
        rel = seqDiff(sq, this.sNext[s]! as Seq);
        if (rel + len <= 0) return;
        if (rel < 0) {
          off -= rel;
          len += rel;
          sq = this.sNext[s]! as Seq;
          rel = 0;
        }
        if (rel === 0 && store.oCount[s] === 0) {
          this.data(flow, s, r, sq, buf, off, len);
          return;
        }
      }
    }
    // Out of order (or in order with a queue behind it): queue the segment, then resolve.
    this.counters[TcpCounter.OOO_SEGMENTS]++;
    if (store.oBytes[s]! + len > store.maxOooBytes) {
      // Too much queued past the hole: the missing bytes are not coming (one-sided loss).
      this.gapTo(flow, s, store.oooLowest(s, this.sNext[s]! as Seq));
      rel = seqDiff(sq, this.sNext[s]! as Seq);
      if (rel + len <= 0) return;
      if (rel < 0) {
        off -= rel;
        len += rel;
        sq = this.sNext[s]! as Seq;
      }
    }
    if (!store.addOoo(s, sq, buf, off, len)) {
      this.evictOthers(s, Math.ceil(len / 2048) + 1);
      if (!store.addOoo(s, sq, buf, off, len)) {
        this.counters[TcpCounter.SEGMENT_MEMCAP_DROP]++;
        this.ev(flow, StreamEvent.MEMCAP);
        return;
      }
    }
    this.resolve(flow, s);
    if (this.immediate || this.sPkts[r] === 0) this.deliver(flow, s, this.sNext[s]! as Seq);
    this.maybeClose(flow, s);
  }

  /** Move the contiguous out-of-order run at sNext into the committed queue. */
  private resolve(flow: number, s: number): void {
    const store = this.store;
    if (store.oCount[s] === 0) return;
    let n = store.resolve(s, this.sNext[s]! as Seq, this.policy[flow]!);
    if (n < 0) {
      // No pages for the run: hand over what is committed, evict elsewhere, retry.
      this.deliver(flow, s, this.sNext[s]! as Seq);
      this.evictOthers(s, 64);
      n = store.resolve(s, this.sNext[s]! as Seq, this.policy[flow]!);
      if (n < 0) {
        this.counters[TcpCounter.SEGMENT_MEMCAP_DROP]++;
        this.ev(flow, StreamEvent.MEMCAP);
        store.clearOoo(s);
        return;
      }
    }
    if (store.lastOverlap) this.counters[TcpCounter.OVERLAP]++;
    if (store.lastDiff) {
      this.counters[TcpCounter.OVERLAP_DIFF]++;
      this.ev(flow, StreamEvent.OVERLAP_DIFFERENT_DATA);
    }
    if (n > 0) {
      this.sNext[s] = seqAdd(this.sNext[s]! as Seq, n);
      this.checkDepth(flow, s);
    }
  }

  /** Compare a retransmitted range [sq, sq+len) (before sNext) with bytes still queued. */
  private compareOld(flow: number, s: number, sq: Seq, buf: Uint8Array, off: number, len: number): void {
    const from = seqDiff(sq, this.sDeliv[s]! as Seq);
    let a = from;
    let o = off;
    let l = len;
    if (a < 0) {
      o -= a;
      l += a;
      a = 0;
    }
    const q = this.store.cLen[s]!;
    if (l <= 0 || a >= q) return;
    if (a + l > q) l = q - a;
    if (!this.store.sameCommitted(s, a, buf, o, l)) {
      this.counters[TcpCounter.OVERLAP_DIFF]++;
      this.ev(flow, StreamEvent.OVERLAP_DIFFERENT_DATA);
    }
    this.counters[TcpCounter.OVERLAP]++;
  }

  /** Hand committed bytes of stream s up to sequence `upto` to the consumer. */
  private deliver(flow: number, s: number, upto: Seq): void {
    const store = this.store;
    let want = seqDiff(upto, this.sDeliv[s]! as Seq);
    while (want > 0 && store.cLen[s]! > 0) {
      let n = store.peek(s);
      if (n > want) n = want;
      this.sDeliv[s] = seqAdd(this.sDeliv[s]! as Seq, n);
      this.emitData(flow, s, store.arena, store.viewOff, n);
      store.consume(s, n);
      want -= n;
    }
  }

  private emitData(flow: number, s: number, bytes: Uint8Array, off: number, len: number): void {
    const so = this.sOff[s]!;
    this.sOff[s] = so + len;
    this.sBytes[s] += len;
    this.counters[TcpCounter.REASSEMBLED_BYTES] += len;
    this.consumer.onData(flow, (s & 1) === 0, bytes, off, len, so);
  }

  /** Bytes of `len` that still fit under the depth limit (stream offset of sNext decides). */
  private clampDepth(s: number, len: number): number {
    if (this.depth === 0) return len;
    const at = this.sOff[s]! + seqDiff(this.sNext[s]! as Seq, this.sDeliv[s]! as Seq);
    const room = this.depth - at;
    return room <= 0 ? 0 : len < room ? len : room;
  }

  private checkDepth(flow: number, s: number): void {
    if (this.depth === 0 || (this.sFlags[s]! & SF.DEPTH) !== 0) return;
    const at = this.sOff[s]! + seqDiff(this.sNext[s]! as Seq, this.sDeliv[s]! as Seq);
    if (at >= this.depth) {
      this.sFlags[s] |= SF.DEPTH;
      this.counters[TcpCounter.DEPTH_REACHED]++;
      this.ev(flow, StreamEvent.DEPTH_REACHED);
      // Hand over what is queued below the depth (acked or not); bytes past it are dropped
      // and the stream keeps no pages from now on.
      const room = this.depth - this.sOff[s]!;
      if (room > 0) this.deliver(flow, s, seqAdd(this.sDeliv[s]! as Seq, room));
      this.store.clear(s);
      this.sDeliv[s] = this.sNext[s]!;
    }
  }

  /** Close direction s once the FIN is reached and everything before it was delivered. */
  private maybeClose(flow: number, s: number): void {
    const f = this.sFlags[s]!;
    if ((f & SF.FIN) === 0 || (f & SF.CLOSED) !== 0) return;
    const fin = this.sFin[s]! as Seq;
    if ((f & SF.DEPTH) === 0 && (seqLt(this.sNext[s]! as Seq, fin) || seqLt(this.sDeliv[s]! as Seq, fin))) return;
    this.sFlags[s] |= SF.CLOSED;
    this.consumer.onClose(flow, (s & 1) === 0);
  }

  /** Deliver everything of stream s (gaps for holes when `gaps`), then close it. */
  private flushStream(flow: number, s: number, gaps: boolean): void {
    const store = this.store;
    if ((this.sFlags[s]! & SF.SYNCED) !== 0 && (this.sFlags[s]! & SF.DEPTH) === 0) {
      this.deliver(flow, s, this.sNext[s]! as Seq);
      if (gaps) {
        // Bytes acknowledged but never captured become a final gap — except in a direction we
        // never saw a packet of (one-sided capture), and the 1-byte hole a keep-alive probe
        // leaves when the session was picked up from it (RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT-1).
        const acked = this.ackedTarget(s);
        const hole = seqDiff(acked, this.sNext[s]! as Seq);
        const keepAlive = hole === 1 && !seqGt(this.sMaxEnd[s]! as Seq, this.sNext[s]! as Seq);
        if (hole > 0 && this.sPkts[s]! > 0 && !keepAlive) this.gapTo(flow, s, acked);
        this.deliver(flow, s, this.sNext[s]! as Seq);
        for (let guard = 0; store.oCount[s]! > 0 && guard < 1 << 16; guard++) {
          this.gapTo(flow, s, store.oooLowest(s, this.sNext[s]! as Seq));
          this.resolve(flow, s);
          this.deliver(flow, s, this.sNext[s]! as Seq);
        }
      }
    }
    store.clear(s);
    if ((this.sFlags[s]! & SF.CLOSED) === 0) {
      this.sFlags[s] |= SF.CLOSED;
      if ((this.sFlags[s]! & SF.SYNCED) !== 0 || this.sPkts[s]! > 0) this.consumer.onClose(flow, (s & 1) === 0);
    }
  }

  /** Store failed for stream s: evict other streams and retry; otherwise deliver directly. Returns bytes handled. */
  private relieve(flow: number, s: number, buf: Uint8Array, off: number, len: number): number {
    this.evictOthers(s, Math.ceil(len / 2048) + 1);
    const stored = this.store.append(s, buf, off, len);
    if (stored === len) return stored;
    // Still no memory: hand the queue and the remaining bytes over now (acked ordering lost,
    // content kept), counted.
    this.counters[TcpCounter.MEMCAP_IMMEDIATE]++;
    this.ev(flow, StreamEvent.MEMCAP);
    const qEnd = seqAdd(this.sDeliv[s]! as Seq, this.store.cLen[s]!);
    this.deliver(flow, s, qEnd);
    this.emitData(flow, s, buf, off + stored, len - stored);
    this.sDeliv[s] = seqAdd(this.sDeliv[s]! as Seq, len - stored);
    return len;
  }

  /**
   * Memory cap reached: flush other streams holding pages (clock hand over the stream
   * arrays) until `pages` are free or a full sweep found nothing. Flushed streams deliver
   * their queue now (before its ACK) and drop their out-of-order bytes (later a gap).
   */
  private evictOthers(self: number, pages: number): void {
    const store = this.store;
    const m = this.capacity * 2;
    for (let scanned = 0; scanned < m && store.pool.available < pages; scanned++) {
      const s = this.evictHand;
      this.evictHand = s + 1 === m ? 0 : s + 1;
      if (s === self) continue;
      if (store.cLen[s]! === 0 && store.oCount[s]! === 0) continue;
      const flow = s >> 1;
      this.counters[TcpCounter.MEMCAP_EVICTIONS]++;
      this.ev(flow, StreamEvent.MEMCAP);
      this.deliver(flow, s, seqAdd(this.sDeliv[s]! as Seq, store.cLen[s]!));
      // Out-of-order bytes are dropped (resolving them would need pages): they surface as a
      // gap when the receiver ACKs past them or the flow ends.
      store.clearOoo(s);
    }
  }

  // --- flow lifecycle -----------------------------------------------------------------------

  /** The flow ended (FIN/RST/timeout/eviction/capture end): deliver everything, close, free. */
  onFlowEnd(flow: number): void {
    this.finishFlow(flow);
    this.reset(flow);
  }

  /**
   * Deliver everything still held and close both streams, keeping the per-flow results
   * (reassembledBytes, gaps, eventSet) readable until reset(): the flow table calls this
   * before it builds the flow's record, and reset() after.
   */
  finishFlow(flow: number): void {
    if (this.state[flow] !== TcpState.NONE || this.sPkts[flow * 2]! > 0 || this.sPkts[flow * 2 + 1]! > 0) {
      this.flushStream(flow, flow * 2, true);
      this.flushStream(flow, flow * 2 + 1, true);
      if (this.consumer.onSessionEnd !== undefined) this.consumer.onSessionEnd(flow);
    }
  }

  /** Forget the slot's state without delivering (slot reuse). */
  reset(flow: number): void {
    this.state[flow] = TcpState.NONE;
    this.events[flow] = 0;
    this.policy[flow] = NONE_POLICY;
    this.finFirst[flow] = -1;
    for (let s = flow * 2; s < flow * 2 + 2; s++) {
      this.store.clear(s);
      this.sIsn[s] = 0;
      this.sNext[s] = 0;
      this.sDeliv[s] = 0;
      this.sMaxEnd[s] = 0;
      this.sFin[s] = 0;
      this.sLastAck[s] = 0;
      this.sWin[s] = 0;
      this.sWscale[s] = -1;
      this.sWsOffer[s] = -1;
      this.sFlags[s] = 0;
      this.sPkts[s] = 0;
      this.sOff[s] = 0;
      this.sBytes[s] = 0;
      this.sGaps[s] = 0;
      this.sGapBytes[s] = 0;
    }
  }
}

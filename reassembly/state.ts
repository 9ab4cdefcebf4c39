/**
 * The TCP connection state as a passive observer sees it: one value per session, named as
 * Suricata names them (flow.state / tcp.state in EVE), transitions after RFC 793 section 3.2
 * figure 6 (with RFC 9293 section 3.3.2 wording). `transition` is the only place that moves it.
 */
export const enum TcpState {
  NONE = 0,
  SYN_SENT,
  SYN_RECV,
  ESTABLISHED,
  FIN_WAIT1,
  FIN_WAIT2,
  TIME_WAIT,
  CLOSE_WAIT,
  LAST_ACK,
  CLOSING,
  CLOSED,
}

export const TCP_STATE_NAMES: readonly string[] = [
  'none', 'syn_sent', 'syn_recv', 'established', 'fin_wait1', 'fin_wait2', 'time_wait', 'close_wait', 'last_ack', 'closing', 'closed',
];

export const enum Seg {
  SYN,
  SYNACK,
  /** ACK (with or without data) that completes the handshake or acknowledges a FIN. */
  ACK,
  /** FIN from the side that closes first. */
  FIN_FIRST,
  /** FIN from the other side, after the first FIN. */
  FIN_SECOND,
  /** The ACK of the last FIN. */
  ACK_OF_LAST_FIN,
  RST,
}

/**
 * Next state for a segment kind. Observer view: "FIN_WAIT1" = one side sent FIN (RFC 793:
 * ESTABLISHED --FIN--> FIN-WAIT-1); its peer's ACK moves to FIN_WAIT2; the second FIN gives
 * TIME_WAIT if the first FIN was acknowledged (FIN-WAIT-2 --FIN--> TIME-WAIT), CLOSING if not
 * (simultaneous close, FIN-WAIT-1 --FIN--> CLOSING); the ACK of the last FIN closes.
 * A valid RST closes from any state (RFC 793 "Reset Processing").
 */
export function transition(s: TcpState, seg: Seg): TcpState {
  switch (seg) {
    case Seg.RST:
      return TcpState.CLOSED;
    case Seg.SYN:
      return s === TcpState.NONE ? TcpState.SYN_SENT : s;
    case Seg.SYNACK:
      return s === TcpState.NONE || s === TcpState.SYN_SENT ? TcpState.SYN_RECV : s;
    case Seg.ACK:
      if (s === TcpState.SYN_RECV || s === TcpState.NONE) return TcpState.ESTABLISHED;
      if (s === TcpState.FIN_WAIT1) return TcpState.FIN_WAIT2;
      return s;
    case Seg.FIN_FIRST:
      return s === TcpState.ESTABLISHED || s === TcpState.SYN_RECV ? TcpState.FIN_WAIT1 : s;
    case Seg.FIN_SECOND:
      if (s === TcpState.FIN_WAIT2) return TcpState.TIME_WAIT;
      if (s === TcpState.FIN_WAIT1) return TcpState.CLOSING;
      return s;
    case Seg.ACK_OF_LAST_FIN:
      return s === TcpState.TIME_WAIT || s === TcpState.CLOSING || s === TcpState.LAST_ACK ? TcpState.CLOSED : s;
  }
}

import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto } from './proto.js';
import { u16, u32 } from './bytes.js';

/** TCP header field offsets (RFC 9293 §3.1). */
const F = { SPORT: 0, DPORT: 2, SEQ: 4, ACK: 8, DATA_OFF: 12, FLAGS: 13, WINDOW: 14, CSUM: 16, URP: 18 } as const;
export const TCP_MIN_HDR = 20;

// Option kinds (IANA).
const OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACKOK = 4, OPT_SACK = 5, OPT_TS = 8, OPT_TFO = 34;

export function decodeTcp(p: Packet, off: number, _end: number): number {
  const d = p.data;
  const end = p.l3End;
  if (end - off < TCP_MIN_HDR) {
    p.event(Ev.TCP_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  const hlen = (d[off + F.DATA_OFF] >> 4) << 2;
  if (hlen < TCP_MIN_HDR) {
    p.event(Ev.TCP_HLEN_TOO_SMALL);
    return Proto.INVALID;
  }
  if (off + hlen > end) {
    p.event(Ev.TCP_PKT_TOO_SMALL);
    return Proto.INVALID;
  }
  p.l4Off = off;
  p.l4HdrLen = hlen;
  p.sport = u16(d, off + F.SPORT);
  p.dport = u16(d, off + F.DPORT);
  p.tcpSeq = u32(d, off + F.SEQ);
  p.tcpAck = u32(d, off + F.ACK);
  p.tcpFlags = d[off + F.FLAGS];
  p.tcpWin = u16(d, off + F.WINDOW);
  p.tcpUrp = u16(d, off + F.URP);
  if (hlen > TCP_MIN_HDR) decodeOptions(p, off + TCP_MIN_HDR, off + hlen);
  p.payOff = off + hlen;
  p.payLen = end - (off + hlen);
  return Proto.DONE;
}

/** Options like Suricata's DecodeTCPOptions: per-kind length checks, duplicates flagged. */
function decodeOptions(p: Packet, o: number, end: number): void {
  const d = p.data;
  let seen = 0;
  while (o < end) {
    const kind = d[o];
    if (kind === OPT_EOL) return;
    if (kind === OPT_NOP) { o++; continue; }
    if (o + 2 > end) {
      p.event(Ev.TCP_INVALID_OPTLEN);
      return;
    }
    const len = d[o + 1];
    if (len < 2 || o + len > end) {
      p.event(Ev.TCP_INVALID_OPTLEN);
      return;
    }
    if (kind < 32) {
      if (seen & (1 << kind)) p.event(Ev.TCP_OPT_DUPLICATE);
      seen |= 1 << kind;
    }
    switch (kind) {
      case OPT_MSS:
        if (len !== 4) p.event(Ev.TCP_OPT_INVALID_LEN);
        else p.tcpMss = u16(d, o + 2);
        break;
      case OPT_WS:
        if (len !== 3) p.event(Ev.TCP_OPT_INVALID_LEN);
        else p.tcpWscale = d[o + 2];
        break;
      case OPT_SACKOK:
        if (len !== 2) p.event(Ev.TCP_OPT_INVALID_LEN);
        else p.tcpSackOk = true;
        break;
      case OPT_SACK:
        if (len < 10 || len > 34 || (len - 2) % 8 !== 0) p.event(Ev.TCP_OPT_INVALID_LEN);
        else { p.tcpSackOff = o + 2; p.tcpSackLen = len - 2; }
        break;
      case OPT_TS:
        if (len !== 10) p.event(Ev.TCP_OPT_INVALID_LEN);
        else { p.tcpTsVal = u32(d, o + 2); p.tcpTsEcr = u32(d, o + 6); }
        break;
      case OPT_TFO:
        if (len !== 2 && (len < 6 || len > 18 || len % 2 !== 0)) p.event(Ev.TCP_OPT_INVALID_LEN);
        else p.tcpTfo = true;
        break;
    }
    o += len;
  }
}

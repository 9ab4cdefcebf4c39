/**
 * HTTP/2 detection, as Suricata registers it: to the server, the connection preface
 * "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (prior knowledge); to the client, a first frame that is
 * a SETTINGS frame header (rs_http2_probing_parser_tc: length within the default max frame
 * size, type SETTINGS, no reserved bit; here also stream 0, flags 0 or ACK and a length that
 * is a multiple of 6, as RFC 7540 §6.5 requires). Runs before the HTTP/1 probe: "PRI " is a
 * method-like token the HTTP/1 probe would take.
 */
import { AppProto } from '../types.js';
import { PREFACE } from './state.js';

/** Not HTTP/2: the caller goes on with the other probes. */
export const NOT_HTTP2 = -1;

export function probeHttp2(b: Uint8Array, off: number, len: number, toServer: boolean): number {
  if (toServer) {
    const n = Math.min(len, PREFACE.length);
    for (let i = 0; i < n; i++) if (b[off + i] !== PREFACE[i]) return NOT_HTTP2;
    return len >= PREFACE.length ? AppProto.HTTP2 : AppProto.UNKNOWN;
  }
  // SETTINGS frame header: 00 LL LL 04 (00|01) 00 00 00 00.
  const want = [0, -1, -1, 4, -2, 0, 0, 0, 0];
  const n = Math.min(len, 9);
  for (let i = 0; i < n; i++) {
    const c = b[off + i], w = want[i];
    if (w === -2 ? c > 1 : w >= 0 && c !== w) return NOT_HTTP2;
  }
  if (len < 9) return AppProto.UNKNOWN;
  const flen = (b[off + 1] << 8) | b[off + 2];
  if (flen > 16384 || flen % 6 !== 0 || (b[off + 4] === 1 && flen !== 0)) return NOT_HTTP2;
  return AppProto.HTTP2;
}

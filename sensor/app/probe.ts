/**
 * App-layer protocol detection by content, like Suricata's probing parsers: the first bytes
 * of a direction decide, ports only break ties (DNS). Returns the protocol, UNKNOWN when more
 * bytes are needed, or FAILED when this direction cannot be any supported protocol.
 */
import { AppProto } from './types.js';
import { parseDns } from './dns/parser.js';

/** Bytes needed before giving up on a direction (longest probe: a 10-char method + space). */
export const PROBE_MIN = 16;

function isUpper(c: number): boolean { return c >= 65 && c <= 90; }

/** HTTP request: METHOD SP (tchar uppercase, 3..16) or response: "HTTP/". */
/**
 * A request line the probe refused only for lack of "METHOD SP" (a bare "OPTIONS\n",
 * HTTP/0.9 style): parsed as a request once the server answered with "HTTP/" (libhtp
 * and tshark treat it as one). Not a probe by itself: FTP/SMTP/POP3 commands look alike.
 */
export function bareRequestLine(b: Uint8Array, off: number, len: number): boolean {
  let i = 0;
  while (i < len && i < 17 && (isUpper(b[off + i]) || b[off + i] === 45 || b[off + i] === 95)) i++;
  return i >= 3 && i <= 16 && i < len && (b[off + i] === 32 || b[off + i] === 13 || b[off + i] === 10);
}

function probeHttp(b: Uint8Array, off: number, len: number, toServer: boolean): number {
  if (len >= 5 && b[off] === 72 && b[off + 1] === 84 && b[off + 2] === 84 && b[off + 3] === 80 && b[off + 4] === 47) return AppProto.HTTP;
  if (!toServer) return len < 5 ? AppProto.UNKNOWN : AppProto.FAILED;
  let i = 0;
  while (i < len && i < 17 && (isUpper(b[off + i]) || b[off + i] === 45 || b[off + i] === 95)) i++;
  if (i === len && len < 17) return AppProto.UNKNOWN;
  if (i >= 3 && i <= 16 && b[off + i] === 32) return AppProto.HTTP;
  return AppProto.FAILED;
}

function probeTls(b: Uint8Array, off: number, len: number): number {
  if (len < 3) return AppProto.UNKNOWN;
  // Record: handshake(22)/alert(21)/ccs(20)/appdata(23), major 3, minor 0..4.
  if (b[off] >= 20 && b[off] <= 23 && b[off + 1] === 3 && b[off + 2] <= 4) {
    if (b[off] !== 22) return AppProto.TLS;
    if (len < 6) return AppProto.UNKNOWN;
    const hs = b[off + 5];
    return hs === 1 || hs === 2 ? AppProto.TLS : AppProto.FAILED;
  }
  // SSLv2 ClientHello (2-byte header with the high bit, msg type 1, version 2 or 3.x).
  if ((b[off] & 0x80) !== 0 && b[off + 2] === 1 && len >= 5 && (b[off + 3] === 0 || b[off + 3] === 3)) return AppProto.TLS;
  return AppProto.FAILED;
}

function probeSsh(b: Uint8Array, off: number, len: number): number {
  const n = Math.min(len, 4);
  const sig = [83, 83, 72, 45];
  for (let i = 0; i < n; i++) if (b[off + i] !== sig[i]) return AppProto.FAILED;
  return len >= 4 ? AppProto.SSH : AppProto.UNKNOWN;
}

const DNS_PORTS = new Set([53, 5353, 5355]);

/** TCP: first bytes of one direction. */
export function probeTcp(b: Uint8Array, off: number, len: number, toServer: boolean, sport: number, dport: number): number {
  if (len === 0) return AppProto.UNKNOWN;
  let unknown = false;
  for (const r of [probeHttp(b, off, len, toServer), probeTls(b, off, len), probeSsh(b, off, len)]) {
    if (r === AppProto.UNKNOWN) unknown = true;
    else if (r !== AppProto.FAILED) return r;
  }
  if (DNS_PORTS.has(sport) || DNS_PORTS.has(dport)) {
    if (len < 14) return AppProto.UNKNOWN;
    const l = (b[off] << 8) | b[off + 1];
    if (l >= 12 && parseDns(b, off + 2, off + 2 + Math.min(l, len - 2)) !== null) return AppProto.DNS;
  }
  return unknown && len < PROBE_MIN ? AppProto.UNKNOWN : AppProto.FAILED;
}

/** UDP: one datagram. DNS only: a parseable message on a DNS port, or a clean 1-question query. */
export function probeUdp(b: Uint8Array, off: number, len: number, sport: number, dport: number): number {
  const m = parseDns(b, off, off + len);
  if (!m) return AppProto.FAILED;
  if (DNS_PORTS.has(sport) || DNS_PORTS.has(dport)) return AppProto.DNS;
  return m.questions.length === 1 && m.opcode === 0 && (m.flags & 0x0070) === 0 ? AppProto.DNS : AppProto.FAILED;
}

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

/** Servers whose "220" banner identifies SMTP (Suricata's SMTP probing parser ports + submission). */
const SMTP_PORTS = new Set([25, 465, 587, 2525]);
const FTP_PORTS = new Set([21]);

function ci(b: Uint8Array, off: number, len: number, w: string): boolean {
  if (len < w.length) return false;
  for (let i = 0; i < w.length; i++) { const c = b[off + i]; if ((c >= 97 && c <= 122 ? c - 32 : c) !== w.charCodeAt(i)) return false; }
  return true;
}

/**
 * SMTP and FTP by their first bytes, like Suricata's patterns: to server "EHLO"/"HELO"/"QUIT"
 * (SMTP; QUIT is FTP on port 21) and "USER "/"PASS "/"PORT "/"FEAT" (FTP), case-insensitive;
 * to client a "220" banner on an SMTP port (SMTP) or port 21 (FTP), or "220 (" (vsFTPd-style
 * FTP banner) anywhere. Runs before the HTTP probe, which would take "USER x" for a method.
 */
export function probeMail(b: Uint8Array, off: number, len: number, toServer: boolean, sport: number, dport: number): number {
  const ftpPort = FTP_PORTS.has(dport) || FTP_PORTS.has(sport);
  if (toServer) {
    if (len < 4) return AppProto.UNKNOWN;
    if (ci(b, off, len, 'EHLO') || ci(b, off, len, 'HELO')) return AppProto.SMTP;
    if (ci(b, off, len, 'QUIT')) return ftpPort ? AppProto.FTP : AppProto.SMTP;
    if (ci(b, off, len, 'FEAT')) return AppProto.FTP;
    if (len < 5) return (ci(b, off, len, 'USER') || ci(b, off, len, 'PASS') || ci(b, off, len, 'PORT')) ? AppProto.UNKNOWN : AppProto.FAILED;
    if (ci(b, off, len, 'USER ') || ci(b, off, len, 'PASS ') || ci(b, off, len, 'PORT ')) return AppProto.FTP;
    // On the FTP port any command line (3-4 letters, then SP or CRLF) is FTP: a midstream pickup.
    if (ftpPort) {
      let i = 0;
      while (i < 5 && i < len && ((b[off + i] | 0x20) >= 97 && (b[off + i] | 0x20) <= 122)) i++;
      if ((i === 3 || i === 4) && i < len && (b[off + i] === 32 || b[off + i] === 13 || b[off + i] === 10)) return AppProto.FTP;
    }
    return AppProto.FAILED;
  }
  if (len < 4) return AppProto.UNKNOWN;
  // On the FTP port any reply line ("NNN " / "NNN-") is FTP (midstream pickup).
  if (ftpPort && b[off] >= 49 && b[off] <= 53 && b[off + 1] >= 48 && b[off + 1] <= 57 && b[off + 2] >= 48 && b[off + 2] <= 57
    && (b[off + 3] === 32 || b[off + 3] === 45)) return AppProto.FTP;
  if (b[off] !== 50 || b[off + 1] !== 50 || b[off + 2] !== 48 || (b[off + 3] !== 32 && b[off + 3] !== 45)) return AppProto.FAILED;
  if (len >= 5 && b[off + 3] === 32 && b[off + 4] === 40) return AppProto.FTP;
  if (ftpPort) return AppProto.FTP;
  if (SMTP_PORTS.has(dport) || SMTP_PORTS.has(sport)) return AppProto.SMTP;
  return len < 5 ? AppProto.UNKNOWN : AppProto.FAILED;
}

/** TCP: first bytes of one direction. */
export function probeTcp(b: Uint8Array, off: number, len: number, toServer: boolean, sport: number, dport: number): number {
  if (len === 0) return AppProto.UNKNOWN;
  let unknown = false;
  const m = probeMail(b, off, len, toServer, sport, dport);
  if (m === AppProto.SMTP || m === AppProto.FTP) return m;
  if (m === AppProto.UNKNOWN) unknown = true;
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

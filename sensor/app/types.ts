/**
 * Shared app-layer shapes. A protocol (sensor/app/<proto>/) parses reassembled TCP bytes
 * (or UDP datagrams for DNS) into transactions; a transaction exposes sticky buffers by
 * numeric id (`BUF.*`), each a byte view rules inspect with content/pcre/byte_* unchanged.
 * Buffers are copies owned by the transaction: stream chunks are views the reassembler
 * reuses after onData returns (reassembly/tcp.ts), so anything kept must be copied.
 */

export const enum AppProto { UNKNOWN = 0, HTTP = 1, DNS = 2, TLS = 3, SSH = 4, FAILED = 5, SMTP = 6, FTP = 7, FTP_DATA = 8, HTTP2 = 9 }
export const APP_PROTO_NAMES: readonly string[] = ['', 'http', 'dns', 'tls', 'ssh', 'failed', 'smtp', 'ftp', 'ftp-data', 'http2'];

export function appProtoId(name: string): number {
  switch (name) {
    case 'http': case 'http1': return AppProto.HTTP;
    case 'dns': case 'dns-tcp': case 'dns-udp': return AppProto.DNS;
    case 'tls': case 'ssl': return AppProto.TLS;
    case 'ssh': return AppProto.SSH;
    case 'failed': return AppProto.FAILED;
    case 'smtp': return AppProto.SMTP;
    case 'ftp': return AppProto.FTP;
    case 'ftp-data': return AppProto.FTP_DATA;
    case 'http2': return AppProto.HTTP2;
    default: return -1;
  }
}

/**
 * Sticky buffer ids. The name a rule uses maps to one id (rules/keywords/app-buffer.ts); a
 * transaction returns the bytes for an id or null when it has none.
 */
export const BUF = {
  // HTTP request side
  HTTP_URI: 1, HTTP_URI_RAW: 2, HTTP_METHOD: 3, HTTP_REQUEST_LINE: 4, HTTP_PROTOCOL: 5,
  HTTP_HOST: 6, HTTP_HOST_RAW: 7, HTTP_USER_AGENT: 8, HTTP_COOKIE: 9, HTTP_REFERER: 10,
  HTTP_ACCEPT: 11, HTTP_ACCEPT_ENC: 12, HTTP_ACCEPT_LANG: 13, HTTP_CONNECTION: 14,
  HTTP_CONTENT_TYPE: 15, HTTP_CONTENT_LEN: 16, HTTP_HEADER: 17, HTTP_HEADER_RAW: 18,
  HTTP_HEADER_NAMES: 19, HTTP_START: 20, HTTP_REQUEST_BODY: 21, HTTP_REQUEST_HEADER: 22, HTTP_RESPONSE_HEADER: 37,
  // HTTP response side
  HTTP_STAT_CODE: 30, HTTP_STAT_MSG: 31, HTTP_RESPONSE_LINE: 32, HTTP_SERVER: 33,
  HTTP_LOCATION: 34, HTTP_RESPONSE_BODY: 35, FILE_DATA: 36,
  // Files (HTTP bodies as Suricata tracks them): file.name
  FILE_NAME: 39,
  // DNS
  DNS_QUERY: 50, DNS_ANSWER_NAME: 51,
  // TLS
  TLS_SNI: 60, TLS_CERT_SUBJECT: 61, TLS_CERT_ISSUER: 62, TLS_CERT_SERIAL: 63,
  TLS_CERT_FINGERPRINT: 64, TLS_CERTS: 65, JA3_HASH: 66, JA3_STRING: 67, JA3S_HASH: 68,
  JA3S_STRING: 69, JA4_HASH: 70, TLS_VERSION: 71, TLS_RANDOM: 72, TLS_RANDOM_TIME: 73, TLS_RANDOM_BYTES: 74,
  // SSH
  SSH_PROTO: 80, SSH_SOFTWARE: 81, SSH_HASSH: 82, SSH_HASSH_STRING: 83, SSH_HASSH_SERVER: 84,
  SSH_HASSH_SERVER_STRING: 85,
  // HTTP/2 (sensor/app/http2): http2.header_name, http2.header (one instance per header)
  HTTP2_HEADER_NAME: 90, HTTP2_HEADER: 91,
  // SMTP (sensor/app/smtp)
  SMTP_HELO: 90, SMTP_MAIL_FROM: 91, SMTP_RCPT_TO: 92,
  // FTP control channel (sensor/app/ftp)
  FTP_COMMAND: 95, FTP_COMMAND_DATA: 96, FTP_REPLY: 97, FTP_COMPLETION_CODE: 98,
} as const;

/** Direction bits: which side of a transaction a buffer belongs to. */
export const TO_SERVER = 1, TO_CLIENT = 2;

/**
 * One transaction of any protocol. `progress` has TO_SERVER / TO_CLIENT bits set when that
 * side is complete (inspection runs per side once, Suricata's per-transaction progress).
 * `buffer(id, i)` returns the i-th instance of a multi-buffer (tls.certs, dns.query on a
 * multi-question message); single buffers answer only i = 0.
 */
/**
 * Per-transaction marks of the inspection machinery, kept on the transaction (AppTx.marks):
 * they were WeakMaps keyed by transaction (AppStage.evAtReq, AppInspector.alerted), and
 * WeakMap.set per transaction side was 1.5 % of the ET Open profile. (A common base class
 * of the transaction classes instead cost as much: its field initializer saw all of them.)
 */
export class TxMarks {
  /** AppStage: the event count when the to-server side was inspected (-1: not inspected). */
  evAtReq = -1;
  /** AppInspector: keys (rule index * 2 + side) of rules that alerted on this transaction. */
  alerted: Set<number> | null = null;
  /** The AppInspector `alerted` belongs to (a reloaded ruleset starts afresh). */
  alertedBy: object | null = null;
}

export interface AppTx {
  readonly marks: TxMarks;
  readonly proto: AppProto;
  readonly id: number;
  progress: number;
  buffer(id: number, i: number): Uint8Array | null;
  /** Numeric facts rules test (dns.opcode, dns.rrtype, ...); NaN when absent. */
  num(name: string, i: number): number;
  /** Named app-layer events raised while parsing this transaction (app-layer-event). */
  events: string[];
  /** EVE-style metadata for logging. */
  eve(): Record<string, unknown>;
}

/** Called when a transaction side completes (dir = TO_SERVER or TO_CLIENT). */
export type TxSink = (tx: AppTx, dir: number) => void;

export const EMPTY = new Uint8Array(0);

/** Latin-1 bytes of an ASCII string (headers, hashes). */
export function ascii(s: string): Uint8Array {
  const o = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) o[i] = s.charCodeAt(i) & 0xff;
  return o;
}

/** Node's native latin-1 decoder: it takes any Uint8Array (one string, no per-character concatenation). */
const LATIN1_SLICE = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/** Bytes as a latin-1 string (one char per byte). It built the string a character at a time: per SSH kexinit that was a chain of ~1,000 strings. */
export function latin1(b: Uint8Array, off = 0, end = b.length): string {
  if (end > b.length) end = b.length;
  if (off < 0) off = 0;
  return off < end ? LATIN1_SLICE.call(b, off, end) : '';
}

/**
 * Index of the first LF in b[p, end), or -1. TypedArray indexOf(10, p) searches to the end of
 * the whole array: on a chunk inside a large reassembly buffer without a LF it scanned far
 * past `end` (the SMTP parser spent 60 % of the no-rules profile of bench-1g there).
 */
export function lfIndex(b: Uint8Array, p: number, end: number): number {
  for (let i = p; i < end; i++) if (b[i] === 10) return i;
  return -1;
}

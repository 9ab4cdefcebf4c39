/**
 * The shapes a parsed rule is made of. A Rule holds numbers, byte arrays and small option
 * objects; everything is resolved at load time (variables, classtypes, pcre compile) so
 * detection reads fields and never parses or allocates.
 */
import type { Pcre2Code } from '../native/pcre2.js';
import type { AddrExpr, PortExpr } from './address.js';
import type { UintCheck } from './keywords/uint.js';

export type Action = 'alert' | 'pass' | 'drop' | 'reject' | 'rejectsrc' | 'rejectdst' | 'rejectboth';

/** Where a header keyword reads from: the decoded packet fields (see detect/packet-view.ts). */
export interface HeaderCheck {
  keyword: string;
  /** Evaluated per candidate packet; must not allocate. */
  match(p: import('./detect/packet-view.js').PacketView, f: import('./detect/flow-ctx.js').FlowCtx | null): boolean;
  /** `flags` only: the test on the TCP flags byte alone (detect/engine.ts buckets rules by flags byte with it). */
  tcpFlags?: (flags: number) => boolean;
  /** `ip_proto:N` (equality) only: the protocol required (compiler.ts keeps the rule out of other protocol groups). */
  ipProto?: number;
}

export interface ContentMatch {
  t: 'content';
  bytes: Uint8Array;
  /** Lower-cased copy for nocase matching (same as bytes when !nocase). */
  lower: Uint8Array;
  nocase: boolean;
  negated: boolean;
  offset: number; depth: number; distance: number; within: number;
  /** Slot of a byte_extract variable used instead of the number, or -1. */
  offsetVar: number; depthVar: number; distanceVar: number; withinVar: number;
  hasOffset: boolean; hasDepth: boolean; hasDistance: boolean; hasWithin: boolean;
  startswith: boolean; endswith: boolean;
  rawbytes: boolean;
  fastPattern: boolean; fastPatternOnly: boolean;
  /** fast_pattern:off,len chop; len 0 = whole content. */
  fpChopOff: number; fpChopLen: number;
}

export interface PcreMatch {
  t: 'pcre';
  source: string;
  code: Pcre2Code;
  negated: boolean;
  relative: boolean;
  /** /B rawbytes, /P /U /H ... are app-layer buffers; only packet/stream buffers here. */
  rawbytes: boolean;
}

export interface IsdataatMatch {
  t: 'isdataat';
  n: number; nVar: number;
  relative: boolean; negated: boolean; rawbytes: boolean;
}

export type Endian = 'big' | 'little';

export interface ByteCommon {
  nbytes: number;
  offset: number; offsetVar: number;
  relative: boolean;
  endian: Endian;
  /** 0 = binary; 8/10/16 = ASCII string in that base. */
  base: number;
  dce: boolean;
  bitmask: number;
}

export interface ByteTestMatch extends ByteCommon {
  t: 'byte_test';
  op: '<' | '>' | '=' | '<=' | '>=' | '&' | '^';
  negated: boolean;
  value: number; valueVar: number;
}

export interface ByteJumpMatch extends ByteCommon {
  t: 'byte_jump';
  multiplier: number;
  align: boolean;
  fromBeginning: boolean;
  fromEnd: boolean;
  postOffset: number;
}

export interface ByteExtractMatch extends ByteCommon {
  t: 'byte_extract';
  multiplier: number;
  align: number;
  slot: number;
  name: string;
}

export interface ByteMathMatch extends ByteCommon {
  t: 'byte_math';
  oper: '+' | '-' | '*' | '/' | '<<' | '>>';
  rvalue: number; rvalueVar: number;
  slot: number;
  name: string;
}

/**
 * base64_decode (Suricata detect-base64-decode.c): decodes up to `bytes` of the buffer from
 * `offset` (after the previous match when relative) and inspects `data` — the base64_data
 * list that follows it in the rule — on the decoded bytes. A terminal match: when `data`
 * matches, the whole list matches; otherwise (nothing decoded, no base64_data, or no match)
 * it fails and earlier contents may try their next occurrence.
 */
export interface Base64DecodeMatch {
  t: 'base64_decode';
  bytes: number;
  offset: number;
  relative: boolean;
  /** The base64_data list (content, pcre, byte_*, isdataat on the decoded bytes). */
  data: PayloadMatch[];
}

export type PayloadMatch = ContentMatch | PcreMatch | IsdataatMatch | ByteTestMatch | ByteJumpMatch | ByteExtractMatch | ByteMathMatch | Base64DecodeMatch;

export interface FlowOpts {
  established: boolean; notEstablished: boolean; stateless: boolean;
  toServer: boolean; toClient: boolean;
  onlyStream: boolean; noStream: boolean;
  onlyFrag: boolean; noFrag: boolean;
}

export type FlowbitsCmd = 'set' | 'setx' | 'unset' | 'isset' | 'isnotset' | 'toggle' | 'noalert';
export interface FlowbitsOp {
  cmd: FlowbitsCmd;
  /** Bit indexes (names interned per ruleset); `a|b` for isset = any, `a&b` = all. */
  bits: number[];
  names: string[];
  any: boolean;
  /** setx expiry seconds (0 = none). */
  expire: number;
}

export type FlowintCmd = '=' | '+' | '-' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'isset' | 'notset' | 'isnotset';
export interface FlowintOp {
  cmd: FlowintCmd;
  slot: number;
  name: string;
  value: number;
  /** Another flowint as the operand, or -1. */
  valueSlot: number;
}

export type TrackBy = 'by_src' | 'by_dst' | 'by_rule' | 'by_both' | 'by_flow';
export interface ThresholdSpec {
  type: 'threshold' | 'limit' | 'both' | 'detection_filter' | 'backoff';
  track: TrackBy;
  count: number;
  seconds: number;
  /** backoff: alert at the count-th match, then at count*multiplier^k (Suricata 8). */
  multiplier: number;
}

/** threshold.config `suppress`: all alerts of the rule, or those whose src/dst/either address is in `addr`. */
export interface SuppressSpec {
  track: 'none' | 'by_src' | 'by_dst' | 'by_either';
  addr: AddrExpr | null;
}

/** threshold.config `rate_filter`: after `count` matches in `seconds`, `newAction` for `timeout` seconds. */
export interface RateFilterSpec {
  track: TrackBy;
  count: number;
  seconds: number;
  newAction: 'alert' | 'drop' | 'pass' | 'reject';
  timeout: number;
}

/** Packet header buffers (sticky buffers over the decoded headers). */
export const enum HdrBuf { IPV4, IPV6, TCP, UDP, ICMPV4, ICMPV6 }

export interface HeaderBufferMatch {
  buf: HdrBuf;
  name: string;
  matches: PayloadMatch[];
}

export interface TagSpec {
  scope: 'session' | 'host';
  count: number;
  metric: 'packets' | 'seconds' | 'bytes';
  /** host scope: tag src or dst. */
  direction: 'src' | 'dst' | '';
}

export interface ProtoSpec {
  name: string;
  /** IP protocol number, or -1 for `ip` (any). */
  ipProto: number;
  /** App-layer protocol the rule is restricted to, or '' (needs app-layer detection). */
  app: string;
  /** `tcp-pkt`: packet payload only; `tcp-stream`: stream only. */
  pktOnly: boolean;
  streamOnly: boolean;
}

export interface Rule {
  /** Index in the loaded ruleset (stable for this ruleset; used by detection arrays). */
  index: number;
  action: Action;
  proto: ProtoSpec;
  src: AddrExpr; sport: PortExpr;
  dst: AddrExpr; dport: PortExpr;
  bidirectional: boolean;
  /**
   * `=>` (Suricata 8 transactional bidirectional rule): matches one transaction whose
   * to_server buffers match the request and whose to_client buffers match the response;
   * the header's src/sport is the client. Buffers that exist in both directions are
   * to_server unless the sticky buffer names a direction (`http.connection: to_client`).
   */
  txBoth: boolean;
  sid: number; gid: number; rev: number;
  msg: string;
  classtype: string; category: string; priority: number;
  references: string[];
  metadata: string[];
  target: '' | 'src_ip' | 'dest_ip';
  /** Packet payload / stream matches in rule order (content, pcre, byte_*, isdataat). */
  payload: PayloadMatch[];
  /** Matches on packet header buffers (tcp.hdr, ipv6.hdr ...), each list in rule order. */
  hdrBufs: HeaderBufferMatch[];
  /** decode-event numbers the packet must carry (all of them). */
  decodeEvents: number[];
  header: HeaderCheck[];
  /** dsize / stream_size style checks that also restrict the input (kept in header too). */
  dsize: UintCheck | null;
  flow: FlowOpts | null;
  flowbits: FlowbitsOp[];
  flowints: FlowintOp[];
  threshold: ThresholdSpec | null;
  /** From threshold.config (applied after load). */
  suppress: SuppressSpec[];
  rateFilter: RateFilterSpec | null;
  detectionFilter: ThresholdSpec | null;
  noalert: boolean;
  tag: TagSpec | null;
  /** Number of byte_extract/byte_math variables this rule uses. */
  byteVars: number;
  /** App-layer buffers the rule uses that Fennec does not have yet (empty = all active). */
  needs: string[];
  file: string;
  line: number;
  text: string;
}

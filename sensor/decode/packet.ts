import { Ev } from './events.js';

/** Max events remembered per packet (all are counted in stats regardless). */
export const MAX_PKT_EVENTS = 8;
/** Max stacked VLAN tags kept (QinQ). A third one is decoded but not kept. */
export const MAX_VLANS = 2;

/** IPv4 option presence bits (for the `ipopts` keyword). */
export const enum IpOpt {
  EOL = 1, NOP = 2, RR = 4, TS = 8, SEC = 16, ESEC = 32, LSRR = 64, SSRR = 128, SID = 256, CIPSO = 512, RTRALT = 1024,
}

/**
 * One decoded frame (or one tunnelled layer of it). A worker owns one Packet and reuses it
 * for every frame: every field is set in the constructor so V8 keeps one hidden class, and
 * the decoders only write numbers and offsets into `data` — never copies.
 *
 * Offsets are absolute indexes into `data` (the capture batch's memory). -1 means absent.
 */
export class Packet {
  // --- frame --------------------------------------------------------------------------
  data: Uint8Array = EMPTY;
  frameOff = 0;
  /** End of captured bytes (frameOff + caplen). */
  frameEnd = 0;
  wireLen = 0;
  tsUs = 0;
  linktype = 0;
  iface = 0;

  // --- layer 2 ------------------------------------------------------------------------
  l2Off = -1;
  vlanCount = 0;
  vlan0 = 0;
  vlan1 = 0;
  mplsCount = 0;

  // --- layer 3 ------------------------------------------------------------------------
  /** 4, 6 or 0 when no IP layer was decoded. */
  ipVersion = 0;
  l3Off = -1;
  /** IP header length incl. options / IPv6 extension headers up to the upper layer. */
  ipHdrLen = 0;
  /** End of the IP datagram inside data (min of the IP length field and captured bytes). */
  l3End = 0;
  /** Source and destination addresses, 4 big-endian 32-bit words; IPv4 is mapped (::ffff:a.b.c.d). Valid when ipVersion != 0. */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** Upper-layer protocol (after IPv6 extension headers). */
  proto = -1;
  ttl = 0;
  tos = 0;
  ipId = 0;
  /** Fragment offset in bytes, and the MF/DF/reserved bits. */
  fragOffset = 0;
  mf = false;
  df = false;
  rf = false;
  isFragment = false;
  /** Offset of the IPv6 Fragment header, -1 if none. */
  ip6FragHdrOff = -1;
  ip6FragId = 0;
  /** IPv4 option presence bits (IpOpt) / IPv6 extension header presence bits (by header type). */
  ipOpts = 0;
  ip6ExtBits = 0;
  /** 1 when this IP layer came from fragment reassembly. */
  reassembled = false;

  // --- layer 4 ------------------------------------------------------------------------
  l4Off = -1;
  l4HdrLen = 0;
  sport = 0;
  dport = 0;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWin = 0;
  tcpUrp = 0;
  /** TCP options: -1 when absent. */
  tcpMss = -1;
  tcpWscale = -1;
  tcpSackOk = false;
  tcpSackOff = -1;
  tcpSackLen = 0;
  tcpTsVal = -1;
  tcpTsEcr = -1;
  tcpTfo = false;
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  icmpSeq = -1;
  /** For ICMP errors: offset of the embedded (quoted) IP header, -1 if none. */
  icmpInnerOff = -1;
  udpLen = 0;

  // --- payload ------------------------------------------------------------------------
  payOff = 0;
  payLen = 0;

  // --- tunnels ------------------------------------------------------------------------
  /** 0 for the outermost IP layer; +1 per tunnel. */
  tunnelDepth = 0;
  /**
   * Identity of the tunnel this layer travels in: a symmetric hash of every enclosing IP
   * address pair (0 when not tunnelled). Part of the flow key, so overlapping inner address
   * spaces (VXLAN tenants, replayed tunnels) stay separate flows, and an inner flow stays on
   * the worker its tunnel hashes to.
   */
  tunnelKey = 0;
  /** When the decoder stopped at a tunnel: where the inner layer starts and what it is (Proto), else -1. */
  innerOff = -1;
  innerProto = -1;
  /** Number of layers decoded so far (capped, see decoder). */
  layers = 0;
  /** Where the next layer starts; each decoder sets it before returning the next Proto. */
  next = 0;

  // --- events -------------------------------------------------------------------------
  eventCount = 0;
  readonly events = new Uint16Array(MAX_PKT_EVENTS);
  /** Global per-event counters shared by all packets of a worker (index: Ev). */
  counters: Float64Array;

  constructor(counters: Float64Array) {
    this.counters = counters;
  }

  /** Record a decode event: counted always, remembered per packet up to MAX_PKT_EVENTS. */
  event(e: Ev): void {
    this.counters[e]++;
    if (this.eventCount < MAX_PKT_EVENTS) this.events[this.eventCount++] = e;
  }

  /** Remember an event on this packet that another component already counted (defrag). */
  eventOnly(e: Ev): void {
    if (this.eventCount < MAX_PKT_EVENTS) this.events[this.eventCount++] = e;
  }

  hasEvent(e: number): boolean {
    for (let i = 0; i < this.eventCount; i++) if (this.events[i] === e) return true;
    return false;
  }

  /** Reset every per-frame field before decoding a new frame. */
  reset(data: Uint8Array, off: number, caplen: number, wireLen: number, tsUs: number, linktype: number, iface: number): void {
    this.data = data;
    this.frameOff = off;
    this.frameEnd = off + caplen;
    this.wireLen = wireLen;
    this.tsUs = tsUs;
    this.linktype = linktype;
    this.iface = iface;
    this.l2Off = -1;
    this.vlanCount = 0;
    this.vlan0 = 0;
    this.vlan1 = 0;
    this.mplsCount = 0;
    this.tunnelDepth = 0;
    this.tunnelKey = 0;
    this.layers = 0;
    this.eventCount = 0;
    this.resetL3();
  }

  /** Reset the IP and upper layers (before decoding a tunnelled inner layer). */
  resetL3(): void {
    this.ipVersion = 0;
    this.l3Off = -1;
    this.ipHdrLen = 0;
    this.l3End = 0;
    // src/dst are not cleared: every IP decoder writes all four words, and they are only
    // meaningful when ipVersion != 0 (two typed-array fills were ~6% of resetL3's cost).
    this.proto = -1;
    this.ttl = 0;
    this.tos = 0;
    this.ipId = 0;
    this.fragOffset = 0;
    this.mf = false;
    this.df = false;
    this.rf = false;
    this.isFragment = false;
    this.ip6FragHdrOff = -1;
    this.ip6FragId = 0;
    this.ipOpts = 0;
    this.ip6ExtBits = 0;
    this.reassembled = false;
    this.l4Off = -1;
    this.l4HdrLen = 0;
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWin = 0;
    this.tcpUrp = 0;
    this.tcpMss = -1;
    this.tcpWscale = -1;
    this.tcpSackOk = false;
    this.tcpSackOff = -1;
    this.tcpSackLen = 0;
    this.tcpTsVal = -1;
    this.tcpTsEcr = -1;
    this.tcpTfo = false;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = -1;
    this.icmpSeq = -1;
    this.icmpInnerOff = -1;
    this.udpLen = 0;
    this.payOff = 0;
    this.payLen = 0;
    this.innerOff = -1;
    this.innerProto = -1;
  }

  /** True when the addresses are IPv4 (mapped form). */
  get isV4(): boolean {
    return this.ipVersion === 4;
  }
}

const EMPTY = new Uint8Array(0);

/** TCP flag bits. */
export const enum TcpFlag {
  FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80,
}

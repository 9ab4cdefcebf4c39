/**
 * What detection reads from a decoded packet. The lead's Packet (sensor/decode/packet.ts)
 * is meant to satisfy this structurally; until it lands, tests and the rules bench fill a
 * PacketView themselves. Field names follow the lead's Packet so it fits without adapters. All numbers; addresses as 4 big-endian 32-bit words, IPv4 mapped (::ffff:a.b.c.d, the address in w[3]).
 */
export const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10,
  TCP_URG = 0x20, TCP_ECE = 0x40, TCP_CWR = 0x80;

/** ipopts bits: the same values as sensor/decode/packet.ts IpOpt (EOL=1, NOP=2, RR=4, ...). */
export const IPOPT = { eol: 1, nop: 2, rr: 4, ts: 8, sec: 16, esec: 32, lsrr: 64, ssrr: 128, satid: 256, any: 0xffff } as const;

export interface PacketView {
  /** 4 or 6; 0 when the packet has no IP layer (rules never match it). */
  ipVersion: number;
  src: Uint32Array;
  dst: Uint32Array;
  /** IP protocol number of the transport (after IPv6 extension headers). */
  proto: number;
  ttl: number;
  ipId: number;
  /** IPv4 fragment flags. */
  mf: boolean;
  df: boolean;
  rf: boolean;
  /** Non-zero when this is a fragment (offset != 0 or MF). */
  isFragment: boolean;
  /** Bitmask of IPOPT seen. */
  ipOpts: number;
  sport: number;
  dport: number;
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWin: number;
  /** MSS option value, or -1 when absent. */
  tcpMss: number;
  icmpType: number;
  icmpCode: number;
  /** ICMP echo id/seq, or -1 when the message has none. */
  icmpId: number;
  icmpSeq: number;
  /** The frame bytes; payload is data[payOff .. payOff + payLen). */
  data: Uint8Array;
  payOff: number;
  payLen: number;
  tsUs: number;
  /** Header offsets into data (-1 = absent), for the ipv4/ipv6/tcp/udp/icmp .hdr buffers. */
  l3Off: number;
  ipHdrLen: number;
  l4Off: number;
  l4HdrLen: number;
  /** Decode events of this packet (sensor/decode/events.ts numbers), for decode-event. */
  eventCount: number;
  events: Uint16Array;
}

export function emptyPacketView(): PacketView {
  return {
    ipVersion: 0, src: new Uint32Array(4), dst: new Uint32Array(4), proto: 0, ttl: 0, ipId: 0,
    mf: false, df: false, rf: false, isFragment: false, ipOpts: 0, sport: 0, dport: 0, tcpFlags: 0, tcpSeq: 0, tcpAck: 0,
    tcpWin: 0, tcpMss: -1, icmpType: -1, icmpCode: -1, icmpId: -1, icmpSeq: -1,
    data: new Uint8Array(0), payOff: 0, payLen: 0, tsUs: 0,
    l3Off: -1, ipHdrLen: 0, l4Off: -1, l4HdrLen: 0, eventCount: 0, events: new Uint16Array(8),
  };
}

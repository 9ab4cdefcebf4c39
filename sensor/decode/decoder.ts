import { Ev } from './events.js';
import type { Packet } from './packet.js';
import { Proto } from './proto.js';
import { decodeEthernet } from './ethernet.js';
import { decodeVlan } from './vlan.js';
import { decodeMpls } from './mpls.js';
import { decodeNull, decodePpp, decodeRaw, decodeSll, decodeSll2 } from './linktypes.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import { decodeIcmpv4, decodeIcmpv6 } from './icmp.js';
import { decodeGeneve, decodeGre, decodeTeredo, decodeVxlan } from './tunnels.js';

/** Layers per frame before decoder.too_many_layers (Suricata caps recursion the same way). */
export const MAX_LAYERS = 24;
/** Tunnels inside tunnels before we stop descending. */
export const MAX_TUNNEL_DEPTH = 4;

/** The first layer of a frame of the given LINKTYPE, or 0 when the link type is unsupported. */
export function linkTypeToProto(linktype: number): number {
  switch (linktype) {
    case 1: return Proto.ETHERNET;
    case 0: return Proto.NULL_HOST;
    case 108: return Proto.NULL_NET;
    case 101: case 12: case 14: return Proto.RAW; // 12/14: DLT_RAW values some writers use
    case 228: return Proto.IPV4;
    case 229: return Proto.IPV6;
    case 113: return Proto.SLL;
    case 276: return Proto.SLL2;
    case 9: return Proto.PPP;
    default: return 0;
  }
}

/**
 * The decode loop: one flat dispatch over layer ids, no decoder calls its child. Returns a
 * status: DONE (innermost layer decoded), INVALID (malformed; event raised), TUNNEL
 * (the caller processes this layer, then calls decodeInner), FRAGMENT (an IP fragment:
 * the caller hands it to defragmentation).
 */
export function decodeLayers(p: Packet, first: number, off: number): number {
  let proto = first;
  let o = off;
  const end = p.frameEnd;
  for (;;) {
    if (++p.layers > MAX_LAYERS) {
      p.event(Ev.TOO_MANY_LAYERS);
      return Proto.INVALID;
    }
    switch (proto) {
      case Proto.ETHERNET: proto = decodeEthernet(p, o, end); break;
      case Proto.VLAN: proto = decodeVlan(p, o, end); break;
      case Proto.IPV4: proto = decodeIpv4(p, o, end); break;
      case Proto.IPV6: proto = decodeIpv6(p, o, end); break;
      case Proto.TCP: return decodeTcp(p, o, end);
      case Proto.UDP: proto = decodeUdp(p, o, end); break;
      case Proto.ICMPV4: return decodeIcmpv4(p, o, end);
      case Proto.ICMPV6: return decodeIcmpv6(p, o, end);
      case Proto.OTHER_L4: return Proto.DONE;
      case Proto.MPLS: proto = decodeMpls(p, o, end); break;
      case Proto.GRE: return decodeGre(p, o, end);
      // The UDP header is decoded: an invalid encapsulation leaves a valid UDP packet.
      case Proto.VXLAN: return decodeVxlan(p, o, end);
      case Proto.GENEVE: return decodeGeneve(p, o, end);
      case Proto.TEREDO: return decodeTeredo(p, o, end);
      case Proto.SLL: proto = decodeSll(p, o, end); break;
      case Proto.SLL2: proto = decodeSll2(p, o, end); break;
      case Proto.NULL_HOST: proto = decodeNull(p, o, end, false); break;
      case Proto.NULL_NET: proto = decodeNull(p, o, end, true); break;
      case Proto.RAW: proto = decodeRaw(p, o, end); break;
      case Proto.PPP: proto = decodePpp(p, o, end); break;
      default: return Proto.DONE;
    }
    if (proto < Proto.FIRST_LAYER) return proto;
    o = p.next;
  }
}

/** Decode a frame from its link layer. */
export function decodeFrame(p: Packet): number {
  const first = linkTypeToProto(p.linktype);
  if (first === 0) return Proto.INVALID;
  return decodeLayers(p, first, p.frameOff);
}

/**
 * After a TUNNEL status: decode the inner layer in place (the same Packet; L3+ fields are
 * reset, L2 fields and VLAN ids kept, tunnelDepth + 1).
 */
export function decodeInner(p: Packet): number {
  const off = p.innerOff, proto = p.innerProto;
  if (p.tunnelDepth >= MAX_TUNNEL_DEPTH) {
    p.event(Ev.TOO_MANY_LAYERS);
    return Proto.INVALID;
  }
  p.tunnelKey = (Math.imul(p.tunnelKey, 31) + addrHash(p.src) + addrHash(p.dst)) >>> 0 || 1;
  p.resetL3();
  p.tunnelDepth++;
  // The inner layer is its own (pseudo) packet for detection, like Suricata's tunnel packets:
  // the outer layer's decode events stay with the outer packet (they are counted already).
  p.eventCount = 0;
  return decodeLayers(p, proto, off);
}

function addrHash(w: Uint32Array): number {
  let h = Math.imul(w[0] ^ 0x9e3779b9, 0x85ebca6b) ^ w[1];
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ w[2];
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ w[3];
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Decode an IP datagram rebuilt by defragmentation (bytes in another buffer). The frame
 * fields keep describing the frame that completed the datagram.
 */
export function decodeReassembled(p: Packet, buf: Uint8Array, off: number, len: number, version: number): number {
  const depth = p.tunnelDepth;
  p.resetL3();
  p.tunnelDepth = depth;
  // A reassembled datagram is a new pseudo packet (Suricata): the events of the fragment that
  // completed it were inspected with that fragment and must not alert a second time.
  p.eventCount = 0;
  p.data = buf;
  p.frameEnd = off + len;
  p.reassembled = true;
  return decodeLayers(p, version === 4 ? Proto.IPV4 : Proto.IPV6, off);
}

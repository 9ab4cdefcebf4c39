/**
 * Layer ids for the decode loop. A decoder returns the id of the next layer, or one of the
 * statuses below (all smaller than FIRST_LAYER), and never calls its child itself.
 */
export const enum Proto {
  /** Decoding finished normally at the innermost layer. */
  DONE = 0,
  /** A malformation stopped decoding (the event was raised). */
  INVALID = 1,
  /** An encapsulation was found: p.innerOff/p.innerProto say where the inner layer starts. */
  TUNNEL = 2,
  /** The IP layer is a fragment: upper layers wait for reassembly. */
  FRAGMENT = 3,
  FIRST_LAYER = 4,
  ETHERNET = 4,
  VLAN = 5,
  MPLS = 6,
  SLL = 7,
  SLL2 = 8,
  NULL_HOST = 9,
  NULL_NET = 10,
  RAW = 11,
  IPV4 = 12,
  IPV6 = 13,
  TCP = 14,
  UDP = 15,
  ICMPV4 = 16,
  ICMPV6 = 17,
  GRE = 18,
  VXLAN = 19,
  GENEVE = 20,
  TEREDO = 21,
  /** An IP protocol decoded no further (SCTP, ESP, OSPF, ...): payload is the IP payload. */
  OTHER_L4 = 22,
  PPP = 23,
}

/** EtherType → layer id (0 = unknown). */
export function etherTypeToProto(t: number): number {
  switch (t) {
    case 0x0800: return Proto.IPV4;
    case 0x86dd: return Proto.IPV6;
    case 0x8100: case 0x88a8: case 0x9100: return Proto.VLAN;
    case 0x8847: case 0x8848: return Proto.MPLS;
    default: return 0;
  }
}

import { Ev } from './events.js';
import { MAX_VLANS, type Packet } from './packet.js';
import { Proto, etherTypeToProto } from './proto.js';
import { u16 } from './bytes.js';

/** IEEE 802.1Q / 802.1ad (QinQ) tag: TCI (PCP, DEI, VID) then the inner EtherType. */
export function decodeVlan(p: Packet, off: number, end: number): number {
  if (end - off < 4) {
    p.event(Ev.VLAN_HEADER_TOO_SMALL);
    return Proto.INVALID;
  }
  const vid = u16(p.data, off) & 0x0fff;
  if (p.vlanCount >= MAX_VLANS + 1) {
    // Suricata allows two tags and flags a third (decoder.vlan.too_many_layers).
    p.event(Ev.VLAN_TOO_MANY_LAYERS);
    return Proto.INVALID;
  }
  if (p.vlanCount === 0) p.vlan0 = vid;
  else if (p.vlanCount === 1) p.vlan1 = vid;
  p.vlanCount++;
  const type = u16(p.data, off + 2);
  p.next = off + 4;
  if (type < 0x0600) return Proto.DONE;
  const next = etherTypeToProto(type);
  if (next === 0) {
    p.event(Ev.VLAN_UNKNOWN_TYPE);
    return Proto.DONE;
  }
  return next;
}

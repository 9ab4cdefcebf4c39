import { docUrl, type Keyword } from './keyword.js';
import { eventByName } from '../../sensor/decode/events.js';

/**
 * decode-event:NAME; matches a packet on which the decoder raised NAME (Suricata's public
 * names, e.g. ipv6.exthdr_dupl_fh; sensor/decode/events.ts). Unknown names are rejected,
 * so a rule never silently waits for an event Fennec cannot raise.
 */
export const decodeEvent: Keyword = {
  name: 'decode-event', value: 'required',
  description: 'match on a decoder event of the packet',
  url: docUrl('decoder-event-rules', 'decoder-events'),
  parse(v, b) {
    const name = v!.trim();
    const e = eventByName(name);
    if (e < 0) return `decode-event: unknown event "${name}"`;
    b.rule.decodeEvents.push(e);
    return null;
  },
};

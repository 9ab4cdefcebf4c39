import { docUrl, type Keyword } from './keyword.js';

/** pkt_data; switch back to the packet/stream payload buffer. */
export const pktData: Keyword = {
  name: 'pkt_data', value: 'none',
  description: 'reset inspection to the packet payload buffer',
  url: docUrl('payload-keywords', 'pkt-data'),
  parse(_v, b) {
    b.buffer = 'payload';
    b.hdr = null;
    b.lastContent = null;
    b.lastPayload = null;
    return null;
  },
};

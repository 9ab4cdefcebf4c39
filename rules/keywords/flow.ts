import { docUrl, args, type Keyword } from './keyword.js';
import type { FlowOpts } from '../types.js';

/** flow:established,to_server,...; direction and state of the flow. */
export const flow: Keyword = {
  name: 'flow', value: 'required',
  description: 'match on the direction and state of the flow',
  url: docUrl('flow-keywords', 'flow'),
  parse(v, b) {
    if (b.rule.flow) return 'flow set twice';
    const f: FlowOpts = { established: false, notEstablished: false, stateless: false, toServer: false, toClient: false, onlyStream: false, noStream: false, onlyFrag: false, noFrag: false };
    for (const o of args(v!)) {
      switch (o) {
        case 'established': f.established = true; break;
        case 'not_established': f.notEstablished = true; break;
        case 'stateless': f.stateless = true; break;
        case 'to_server': case 'from_client': f.toServer = true; break;
        case 'to_client': case 'from_server': f.toClient = true; break;
        case 'only_stream': f.onlyStream = true; break;
        case 'no_stream': f.noStream = true; break;
        case 'only_frag': f.onlyFrag = true; break;
        case 'no_frag': f.noFrag = true; break;
        default: return `invalid flow option "${o}"`;
      }
    }
    if (f.toServer && f.toClient) return 'flow: to_server and to_client together';
    if (f.established && f.notEstablished) return 'flow: established and not_established together';
    if (f.onlyStream && f.noStream) return 'flow: only_stream and no_stream together';
    b.rule.flow = f;
    return null;
  },
};

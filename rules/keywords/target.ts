import { docUrl, type Keyword } from './keyword.js';

/** target:src_ip|dest_ip; which side is the target (EVE alert.source/target). */
export const target: Keyword = {
  name: 'target', value: 'required',
  description: 'which side of the alert is the target of the attack',
  url: docUrl('meta', 'target'),
  parse(v, b) {
    const t = v!.trim();
    if (t !== 'src_ip' && t !== 'dest_ip') return `invalid target "${t}"`;
    b.rule.target = t;
    return null;
  },
};

import { docUrl, args, type Keyword } from './keyword.js';

/** isdataat:[!]N[,relative][,rawbytes]; is there data at position N (from the last match)? */
export const isdataat: Keyword = {
  name: 'isdataat', value: 'required',
  description: 'check that the buffer has data at a position, optionally relative to the last match',
  url: docUrl('payload-keywords', 'isdataat'),
  parse(v, b) {
    const a = args(v!);
    let first = a[0];
    let negated = false;
    if (first.startsWith('!')) { negated = true; first = first.slice(1).trim(); }
    const nv = b.numOrVar(first);
    if (!nv || nv[0] < 0) return `invalid isdataat "${v}"`;
    let relative = false, rawbytes = false;
    for (const o of a.slice(1)) {
      if (o === 'relative') relative = true;
      else if (o === 'rawbytes') rawbytes = true;
      else return `invalid isdataat option "${o}"`;
    }
    b.addPayload({ t: 'isdataat', n: nv[0], nVar: nv[1], relative, negated, rawbytes });
    return null;
  },
};

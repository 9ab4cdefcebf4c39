import { docUrl, args, int, type Keyword } from './keyword.js';
import { checkNbytes, newCommon, parseFlag } from './byte-common.js';
import type { ByteExtractMatch } from '../types.js';

/** byte_extract:nbytes,offset,name[,relative][,multiplier N][,endian][,dce][,string[,type]][,align N]. */
export const byteExtract: Keyword = {
  name: 'byte_extract', value: 'required',
  description: 'extract bytes into a variable usable by later keywords of the rule',
  url: docUrl('payload-keywords', 'byte-extract'),
  parse(v, b) {
    const a = args(v!);
    if (a.length < 3) return 'byte_extract needs nbytes, offset, name';
    const m: ByteExtractMatch = { ...newCommon(), t: 'byte_extract', multiplier: 1, align: 0, slot: -1, name: a[2] };
    const nb = int(a[0]);
    if (nb === null) return `byte_extract: invalid nbytes "${a[0]}"`;
    m.nbytes = nb;
    const off = int(a[1]);
    if (off === null) return `byte_extract: invalid offset "${a[1]}"`;
    m.offset = off;
    if (!/^[A-Za-z_][\w-]*$/.test(a[2])) return `byte_extract: invalid variable name "${a[2]}"`;
    for (const o of a.slice(3)) {
      const r = parseFlag(o, m);
      if (typeof r === 'string') return r;
      if (r) continue;
      if (o.startsWith('multiplier')) {
        const x = int(o.slice(10));
        if (x === null || x < 1) return `byte_extract: invalid multiplier "${o}"`;
        m.multiplier = x;
      } else if (o.startsWith('align')) {
        const x = int(o.slice(5));
        if (x !== 2 && x !== 4) return `byte_extract: align must be 2 or 4`;
        m.align = x;
      } else return `byte_extract: unknown option "${o}"`;
    }
    const e = checkNbytes(m, 'byte_extract');
    if (e) return e;
    m.slot = b.defineByteVar(a[2]);
    b.addPayload(m);
    return null;
  },
};

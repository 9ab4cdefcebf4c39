import { docUrl, args, int, type Keyword } from './keyword.js';
import { checkNbytes, newCommon, parseFlag } from './byte-common.js';
import type { ByteTestMatch } from '../types.js';

/** byte_test:nbytes,[!]op,value,offset[,relative][,endian][,string,type][,dce][,bitmask N]. */
export const byteTest: Keyword = {
  name: 'byte_test', value: 'required',
  description: 'extract bytes and compare them with a value',
  url: docUrl('payload-keywords', 'byte-test'),
  parse(v, b) {
    const a = args(v!);
    if (a.length < 4) return 'byte_test needs nbytes, operator, value, offset';
    const m: ByteTestMatch = { ...newCommon(), t: 'byte_test', op: '=', negated: false, value: 0, valueVar: -1 };
    const nb = int(a[0]);
    if (nb === null) return `byte_test: invalid nbytes "${a[0]}"`;
    m.nbytes = nb;
    let op = a[1].replace(/\s+/g, '');
    if (op.startsWith('!')) { m.negated = true; op = op.slice(1); }
    if (op === '!=') { m.negated = true; op = '='; }
    if (!['<', '>', '=', '<=', '>=', '&', '^'].includes(op)) return `byte_test: invalid operator "${a[1]}"`;
    m.op = op as ByteTestMatch['op'];
    const val = b.numOrVar(a[2]);
    if (!val) return `byte_test: invalid value "${a[2]}"`;
    [m.value, m.valueVar] = val;
    const off = b.numOrVar(a[3]);
    if (!off) return `byte_test: invalid offset "${a[3]}"`;
    [m.offset, m.offsetVar] = off;
    for (const o of a.slice(4)) {
      const r = parseFlag(o, m);
      if (r === false) return `byte_test: unknown option "${o}"`;
      if (typeof r === 'string') return r;
    }
    const e = checkNbytes(m, 'byte_test');
    if (e) return e;
    b.addPayload(m);
    return null;
  },
};

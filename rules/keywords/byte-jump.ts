import { docUrl, args, int, type Keyword } from './keyword.js';
import { checkNbytes, newCommon, parseFlag } from './byte-common.js';
import type { ByteJumpMatch } from '../types.js';

/** byte_jump:nbytes,offset[,relative][,multiplier N][,endian][,string,type][,align][,from_beginning|from_end][,post_offset N][,dce][,bitmask N]. */
export const byteJump: Keyword = {
  name: 'byte_jump', value: 'required',
  description: 'extract a number of bytes and move the detection pointer by that value',
  url: docUrl('payload-keywords', 'byte-jump'),
  parse(v, b) {
    const a = args(v!);
    if (a.length < 2) return 'byte_jump needs nbytes and offset';
    const m: ByteJumpMatch = { ...newCommon(), t: 'byte_jump', multiplier: 1, align: false, fromBeginning: false, fromEnd: false, postOffset: 0 };
    const nb = int(a[0]);
    // nbytes 0 is accepted (ET Open sid 2061797 uses byte_jump:0,0,relative,post_offset -13).
    if (nb === null || nb < 0) return `byte_jump: invalid nbytes "${a[0]}"`;
    m.nbytes = nb;
    const off = b.numOrVar(a[1]);
    if (!off) return `byte_jump: invalid offset "${a[1]}"`;
    [m.offset, m.offsetVar] = off;
    for (const o of a.slice(2)) {
      const r = parseFlag(o, m);
      if (typeof r === 'string') return r;
      if (r) continue;
      if (o === 'align') m.align = true;
      else if (o === 'from_beginning') m.fromBeginning = true;
      else if (o === 'from_end') m.fromEnd = true;
      else if (o.startsWith('multiplier')) {
        const x = int(o.slice(10));
        if (x === null || x < 1) return `byte_jump: invalid multiplier "${o}"`;
        m.multiplier = x;
      } else if (o.startsWith('post_offset')) {
        const x = int(o.slice(11));
        if (x === null) return `byte_jump: invalid post_offset "${o}"`;
        m.postOffset = x;
      } else return `byte_jump: unknown option "${o}"`;
    }
    if (m.fromBeginning && m.fromEnd) return 'byte_jump: from_beginning and from_end together';
    if (m.nbytes > 0) { const e = checkNbytes(m, 'byte_jump'); if (e) return e; }
    b.addPayload(m);
    return null;
  },
};

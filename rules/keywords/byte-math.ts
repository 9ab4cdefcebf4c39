import { docUrl, args, int, type Keyword } from './keyword.js';
import { checkNbytes, newCommon, parseFlag } from './byte-common.js';
import type { ByteMathMatch } from '../types.js';

/** byte_math:bytes N,offset N,oper op,rvalue N|var,result name[,relative][,endian e][,string t][,dce][,bitmask N]. */
export const byteMath: Keyword = {
  name: 'byte_math', value: 'required',
  description: 'extract bytes, apply an arithmetic operation and store the result in a variable',
  url: docUrl('payload-keywords', 'byte-math'),
  parse(v, b) {
    const m: ByteMathMatch = { ...newCommon(), t: 'byte_math', oper: '+', rvalue: 0, rvalueVar: -1, slot: -1, name: '' };
    let haveBytes = false, haveOffset = false, haveOper = false, haveR = false;
    for (const o of args(v!)) {
      const sp = o.indexOf(' ');
      const k = sp < 0 ? o : o.slice(0, sp);
      const val = sp < 0 ? '' : o.slice(sp + 1).trim();
      if (k === 'bytes') { const x = int(val); if (x === null) return `byte_math: invalid bytes "${val}"`; m.nbytes = x; haveBytes = true; }
      else if (k === 'offset') { const x = b.numOrVar(val); if (!x) return `byte_math: invalid offset "${val}"`; [m.offset, m.offsetVar] = x; haveOffset = true; }
      else if (k === 'oper') {
        if (!['+', '-', '*', '/', '<<', '>>'].includes(val)) return `byte_math: invalid oper "${val}"`;
        m.oper = val as ByteMathMatch['oper']; haveOper = true;
      } else if (k === 'rvalue') { const x = b.numOrVar(val); if (!x) return `byte_math: invalid rvalue "${val}"`; [m.rvalue, m.rvalueVar] = x; haveR = true; }
      else if (k === 'result') { if (!/^[A-Za-z_][\w-]*$/.test(val)) return `byte_math: invalid result "${val}"`; m.name = val; }
      else {
        const r = parseFlag(o, m);
        if (typeof r === 'string') return r;
        if (!r) return `byte_math: unknown option "${o}"`;
      }
    }
    if (!haveBytes || !haveOffset || !haveOper || !haveR || !m.name) return 'byte_math needs bytes, offset, oper, rvalue and result';
    const e = checkNbytes(m, 'byte_math');
    if (e) return e;
    m.slot = b.defineByteVar(m.name);
    b.addPayload(m);
    return null;
  },
};

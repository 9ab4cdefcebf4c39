import { docUrl, args, type Keyword } from './keyword.js';
import type { FlowbitsCmd } from '../types.js';

const CMDS: readonly FlowbitsCmd[] = ['set', 'setx', 'unset', 'isset', 'isnotset', 'toggle', 'noalert'];

/** flowbits:set|setx|unset|isset|isnotset|toggle,name[|name|&name][,expire]; flowbits:noalert. */
export const flowbits: Keyword = {
  name: 'flowbits', value: 'required',
  description: 'set and check named bits on the flow',
  url: docUrl('flow-keywords', 'flowbits'),
  parse(v, b) {
    const a = args(v!);
    const cmd = a[0] as FlowbitsCmd;
    if (!CMDS.includes(cmd)) return `invalid flowbits command "${a[0]}"`;
    if (cmd === 'noalert') {
      if (a.length !== 1) return 'flowbits:noalert takes no name';
      b.rule.noalert = true;
      return null;
    }
    if (a.length < 2 || !a[1]) return `flowbits:${cmd} needs a name`;
    const spec = a[1];
    const anyOf = spec.includes('|'), allOf = spec.includes('&');
    if (anyOf && allOf) return 'flowbits: cannot mix | and &';
    if ((anyOf || allOf) && cmd !== 'isset' && cmd !== 'isnotset') return `flowbits:${cmd} takes one name`;
    const names = spec.split(/[|&]/).map((s) => s.trim());
    if (names.some((n) => !/^[\w.\-:]+$/.test(n))) return `invalid flowbit name "${spec}"`;
    let expire = 0;
    if (cmd === 'setx') {
      if (a.length !== 3 || !/^\d+$/.test(a[2])) return 'flowbits:setx needs name,expire-seconds';
      expire = Number(a[2]);
    } else if (a.length > 2) return `flowbits:${cmd} takes one name`;
    const set = cmd === 'set' || cmd === 'setx' || cmd === 'toggle' || cmd === 'unset';
    for (const n of names) (set ? b.ctx.bitsSet : b.ctx.bitsChecked).add(n);
    b.rule.flowbits.push({ cmd, bits: names.map((n) => b.ctx.bit(n)), names, any: anyOf, expire });
    return null;
  },
};

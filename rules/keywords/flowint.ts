import { docUrl, args, type Keyword } from './keyword.js';
import type { FlowintCmd } from '../types.js';

const OPS: readonly FlowintCmd[] = ['=', '+', '-', '==', '!=', '<', '<=', '>', '>=', 'isset', 'notset', 'isnotset'];

/** flowint:name,op[,value|name]; integer counters per flow (set/add/sub, compare, isset/notset). */
export const flowint: Keyword = {
  name: 'flowint', value: 'required',
  description: 'store and compare integer variables on the flow',
  url: docUrl('flow-keywords', 'flowint'),
  parse(v, b) {
    const a = args(v!);
    if (a.length < 2) return `invalid flowint "${v}"`;
    const name = a[0];
    if (!/^[\w.\-:]+$/.test(name)) return `invalid flowint name "${name}"`;
    const cmd = a[1] as FlowintCmd;
    if (!OPS.includes(cmd)) return `invalid flowint operator "${a[1]}"`;
    let value = 0, valueSlot = -1;
    if (cmd === 'isset' || cmd === 'notset' || cmd === 'isnotset') {
      if (a.length !== 2) return `flowint:${cmd} takes no value`;
    } else {
      if (a.length !== 3) return `flowint:${cmd} needs a value`;
      if (/^\d+$/.test(a[2])) value = Number(a[2]);
      else if (/^[\w.\-:]+$/.test(a[2])) valueSlot = b.ctx.int(a[2]);
      else return `invalid flowint value "${a[2]}"`;
    }
    b.rule.flowints.push({ cmd, slot: b.ctx.int(name), name, value, valueSlot });
    return null;
  },
};

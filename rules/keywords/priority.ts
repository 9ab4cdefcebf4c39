import { docUrl, type Keyword } from './keyword.js';

/** priority:N; priority of the signature (overrides the classtype priority). */
export const priority: Keyword = {
  name: 'priority', value: 'required',
  description: 'priority of the signature (overrides the classtype priority)',
  url: docUrl('meta', 'priority'),
  parse(v, b) {
    const s = v!.trim();
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 0xffffffff) return `invalid priority "${s}"`;
    b.rule.priority = Number(s);
    (b.rule as { priorityExplicit?: boolean }).priorityExplicit = true;
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';

/** classtype:name; category and default priority from classification.config. */
export const classtype: Keyword = {
  name: 'classtype', value: 'required',
  description: 'classification of the rule (category and default priority from classification.config)',
  url: docUrl('meta', 'classtype'),
  parse(v, b) {
    const name = v!.trim();
    const c = b.ctx.classifications.get(name.toLowerCase());
    if (!c) return `unknown classtype "${name}"`;
    b.rule.classtype = c.name;
    b.rule.category = c.description;
    if (!(b.rule as { priorityExplicit?: boolean }).priorityExplicit) b.rule.priority = c.priority;
    return null;
  },
};

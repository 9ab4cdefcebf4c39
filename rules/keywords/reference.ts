import { docUrl, type Keyword } from './keyword.js';

/** reference:type,id; kept as text for the alert output. */
export const reference: Keyword = {
  name: 'reference', value: 'required',
  description: 'reference to a source of information about the signature',
  url: docUrl('meta', 'reference'),
  parse(v, b) {
    const i = v!.indexOf(',');
    if (i <= 0) return `invalid reference "${v}"`;
    b.rule.references.push(`${v!.slice(0, i).trim()},${v!.slice(i + 1).trim()}`);
    return null;
  },
};

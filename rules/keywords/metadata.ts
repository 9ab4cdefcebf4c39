import { docUrl, type Keyword } from './keyword.js';

/** metadata:key value, key value; free text, kept for output. */
export const metadata: Keyword = {
  name: 'metadata', value: 'required',
  description: 'non-functional key/value information about the signature',
  url: docUrl('meta', 'metadata'),
  parse(v, b) {
    for (const kv of v!.split(',')) if (kv.trim()) b.rule.metadata.push(kv.trim());
    return null;
  },
};

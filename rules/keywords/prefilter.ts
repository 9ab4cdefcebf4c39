import { docUrl, type Keyword } from './keyword.js';

/**
 * prefilter; ask Suricata to use a non-content keyword of the rule as its prefilter. Fennec
 * evaluates header keywords directly on every candidate packet, so this is a planning hint
 * only: the rule matches exactly the same packets with or without it.
 */
export const prefilter: Keyword = {
  name: 'prefilter', value: 'none',
  description: 'use this rule\'s header keyword as its prefilter (a planning hint)',
  url: docUrl('prefilter-keywords', 'prefilter'),
  parse() {
    return null;
  },
};

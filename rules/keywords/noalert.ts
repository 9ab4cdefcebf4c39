import { docUrl, type Keyword } from './keyword.js';

/** noalert; the rule matches (and sets flowbits etc.) but never produces an alert. */
export const noalert: Keyword = {
  name: 'noalert', value: 'none',
  description: 'do not generate an alert when the rule matches',
  url: docUrl('flow-keywords', 'noalert'),
  parse(_v, b) {
    b.rule.noalert = true;
    return null;
  },
};

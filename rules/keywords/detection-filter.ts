import { docUrl, type Keyword } from './keyword.js';
import { parseThresholdOpts } from './threshold.js';

/** detection_filter:track by_src|by_dst|by_rule|by_both|by_flow,count N,seconds T; alert only after N matches. */
export const detectionFilter: Keyword = {
  name: 'detection_filter', value: 'required',
  description: 'alert only after the rule matched more than count times within seconds',
  url: docUrl('thresholding', 'detection-filter'),
  parse(v, b) {
    if (b.rule.detectionFilter) return 'detection_filter set twice';
    const t = parseThresholdOpts(v!, false);
    if (typeof t === 'string') return `detection_filter: ${t}`;
    if (t.type !== 'detection_filter') return 'detection_filter takes no type';
    b.rule.detectionFilter = t;
    return null;
  },
};

import { docUrl, type Keyword } from './keyword.js';
import type { ThresholdSpec, TrackBy } from '../types.js';

/** Parses "type x, track y, count n, seconds s" (also used by detection_filter and threshold.config). */
export function parseThresholdOpts(v: string, needType: boolean): ThresholdSpec | string {
  const spec: Partial<ThresholdSpec> = {};
  for (const part of v.split(',')) {
    const m = /^\s*(\w+)\s+(\S+)\s*$/.exec(part);
    if (!m) return `invalid threshold option "${part.trim()}"`;
    const [, k, val] = m;
    if (k === 'type') {
      if (val !== 'threshold' && val !== 'limit' && val !== 'both' && val !== 'backoff') return `invalid threshold type "${val}"`;
      spec.type = val;
    } else if (k === 'track') {
      if (!['by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow'].includes(val)) return `invalid track "${val}"`;
      spec.track = val as TrackBy;
    } else if (k === 'count') {
      if (!/^\d+$/.test(val) || Number(val) < 1) return `invalid count "${val}"`;
      spec.count = Number(val);
    } else if (k === 'seconds') {
      if (!/^\d+$/.test(val) || Number(val) < 1) return `invalid seconds "${val}"`;
      spec.seconds = Number(val);
    } else if (k === 'multiplier') {
      if (!/^\d+$/.test(val) || Number(val) < 1) return `invalid multiplier "${val}"`;
      spec.multiplier = Number(val);
    } else return `unknown threshold option "${k}"`;
  }
  if (needType && !spec.type) return 'threshold needs type';
  if (spec.type === 'backoff') {
    // Suricata 8: backoff takes count and multiplier, no seconds, and tracks by_flow.
    if (!spec.track || spec.count === undefined || spec.multiplier === undefined) return 'backoff needs track, count and multiplier';
    return { type: 'backoff', track: spec.track, count: spec.count, seconds: 0, multiplier: spec.multiplier };
  }
  if (spec.multiplier !== undefined) return 'multiplier is only valid with type backoff';
  if (!spec.track || spec.count === undefined || spec.seconds === undefined) return 'threshold needs track, count and seconds';
  return { type: spec.type ?? 'detection_filter', track: spec.track, count: spec.count, seconds: spec.seconds, multiplier: 0 };
}

/** threshold:type threshold|limit|both,track by_src|by_dst|by_rule|by_both|by_flow,count N,seconds T. */
export const threshold: Keyword = {
  name: 'threshold', value: 'required',
  description: 'limit how often the rule alerts (threshold, limit or both) per tracking key',
  url: docUrl('thresholding', 'threshold'),
  parse(v, b) {
    if (b.rule.threshold) return 'threshold set twice';
    const t = parseThresholdOpts(v!, true);
    if (typeof t === 'string') return `threshold: ${t}`;
    b.rule.threshold = t;
    return null;
  },
};

import { docUrl, args, type Keyword } from './keyword.js';

/** tag:session|host[,count,packets|seconds|bytes][,src|dst]; tags following traffic. */
export const tag: Keyword = {
  name: 'tag', value: 'required',
  description: 'tag (log) the traffic after the alert, per session or host',
  url: docUrl('tag', 'tag'),
  parse(v, b) {
    const a = args(v!);
    const scope = a[0];
    if (scope !== 'session' && scope !== 'host') return `invalid tag scope "${scope}"`;
    let count = 256, metric: 'packets' | 'seconds' | 'bytes' = 'packets', direction: 'src' | 'dst' | '' = '';
    if (a.length >= 3) {
      if (!/^\d+$/.test(a[1])) return `invalid tag count "${a[1]}"`;
      count = Number(a[1]);
      if (a[2] !== 'packets' && a[2] !== 'seconds' && a[2] !== 'bytes') return `invalid tag metric "${a[2]}"`;
      metric = a[2];
    } else if (a.length === 2) return 'tag needs count and metric';
    if (a.length >= 4) {
      if (a[3] !== 'src' && a[3] !== 'dst') return `invalid tag direction "${a[3]}"`;
      direction = a[3];
    }
    if (scope === 'host' && direction === '') direction = 'src';
    b.rule.tag = { scope, count, metric, direction };
    return null;
  },
};

import { docUrl, args, type Keyword } from './keyword.js';

/**
 * Suricata caps a packets count at DETECT_TAG_MAX_PKTS (detect-tag.h) and uses it as the
 * default count: `tag:session` = 256 packets.
 */
export const TAG_MAX_PKTS = 256;

/**
 * tag:session|host[,count,packets|seconds|bytes[,src|dst]] (Suricata detect-tag.c): after
 * the alert, the following packets of the session / of the host are logged as EVE `packet`
 * events (rules/detect/tag.ts). Host tags default to the destination host, like Suricata;
 * a direction on a session tag is accepted and ignored (Suricata warns).
 */
export const tag: Keyword = {
  name: 'tag', value: 'required',
  description: 'tag (log) the traffic after the alert, per session or host',
  url: docUrl('tag', 'tag'),
  parse(v, b) {
    const a = args(v!.toLowerCase());
    const scope = a[0];
    if (scope !== 'session' && scope !== 'host') return `invalid tag scope "${scope}"`;
    let count = TAG_MAX_PKTS, metric: 'packets' | 'seconds' | 'bytes' = 'packets', direction: 'src' | 'dst' | '' = '';
    if (a.length === 2 || a.length > 4) return 'tag: expected type[,count,metric[,direction]]';
    if (a.length >= 3) {
      if (!/^\d+$/.test(a[1]) || Number(a[1]) > 0xffffffff) return `invalid tag count "${a[1]}"`;
      count = Number(a[1]);
      if (a[2] !== 'packets' && a[2] !== 'seconds' && a[2] !== 'bytes') return `invalid tag metric "${a[2]}"`;
      metric = a[2];
      if (metric === 'packets' && count > TAG_MAX_PKTS) count = TAG_MAX_PKTS;
    }
    if (a.length === 4) {
      if (a[3] !== 'src' && a[3] !== 'dst') return `invalid tag direction "${a[3]}"`;
      direction = a[3];
    }
    if (scope === 'host' && direction === '') direction = 'dst';
    if (scope === 'session') direction = '';
    b.rule.tag = { scope, count, metric, direction };
    return null;
  },
};

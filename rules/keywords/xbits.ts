/**
 * xbits and hostbits (Suricata detect-xbits.c / detect-hostbits.c): named bits per host or
 * IP pair, state in rules/detect/xbits.ts. isset/isnotset are rule conditions, set/unset/
 * toggle run when the whole rule matched.
 * hostbits is in hostbits.ts (same ops, host tracking only).
 *
 *   xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|ip_pair>[,expire <s>];
 *   xbits:noalert;
 *   hostbits:<set|unset|toggle|isset|isnotset>,<name>[,<src|dst>];   hostbits:noalert;
 *
 * xbits: `track` is required, expire defaults to 30 s and must be > 0 (Suricata's parse
 * regex and DETECT_XBITS_EXPIRE_DEFAULT); `track tx` (Suricata 8) is not supported.
 * hostbits: the direction defaults to src (DETECT_XBITS_TRACK_IPSRC = 0), `both` is an error
 * as in Suricata, expire is always 300 s. Fennec also accepts `track ip_src|ip_dst` and a
 * trailing `expire <s>` in hostbits (the xbits spelling; Suricata's hostbits parser rejects
 * them).
 */
import { docUrl, type Keyword } from './keyword.js';
import type { RuleBuilder } from '../builder.js';
import { XBITS_EXPIRE_DEFAULT, XbitCmd, XbitTrack, xbitId, type XbitOp } from '../detect/xbits.js';

export const CMDS: ReadonlyMap<string, XbitCmd> = new Map([
  ['set', XbitCmd.SET], ['unset', XbitCmd.UNSET], ['toggle', XbitCmd.TOGGLE], ['isset', XbitCmd.ISSET], ['isnotset', XbitCmd.ISNOTSET],
]);
export const NAME = /^[\w.\-:]+$/;

export function push(b: RuleBuilder, op: XbitOp): null {
  if (b.rule.xbits === undefined) b.rule.xbits = [];
  b.rule.xbits.push(op);
  return null;
}

export function expireArg(s: string, kw: string): number | string {
  const m = /^expire\s+(\d+)$/.exec(s);
  if (!m) return `${kw}: expected "expire <seconds>", got "${s}"`;
  const v = Number(m[1]);
  if (v === 0 || v > 0xffffffff) return `${kw}: expire must be 1..4294967295`;
  return v;
}

export const xbits: Keyword = {
  name: 'xbits', value: 'required',
  description: 'set and check named bits stored per host (track ip_src/ip_dst) or IP pair',
  url: docUrl('xbits', 'xbits'),
  parse(v, b) {
    const a = v!.split(',').map((s) => s.trim());
    if (a[0] === 'noalert') {
      if (a.length !== 1) return 'xbits:noalert takes no name';
      b.rule.noalert = true;
      return null;
    }
    const cmd = CMDS.get(a[0]);
    if (cmd === undefined) return `xbits: unknown command "${a[0]}"`;
    if (a.length < 3 || !a[1]) return `xbits:${a[0]} needs a name and track ip_src|ip_dst|ip_pair`;
    if (!NAME.test(a[1])) return `xbits: invalid name "${a[1]}"`;
    const t = /^track\s+(\S+)$/.exec(a[2]);
    if (!t) return `xbits: expected "track ip_src|ip_dst|ip_pair", got "${a[2]}"`;
    const track = t[1] === 'ip_src' ? XbitTrack.IP_SRC : t[1] === 'ip_dst' ? XbitTrack.IP_DST : t[1] === 'ip_pair' ? XbitTrack.IP_PAIR : null;
    if (track === null) return `xbits: unsupported track "${t[1]}" (ip_src, ip_dst, ip_pair)`;
    let expire = XBITS_EXPIRE_DEFAULT;
    if (a.length > 4) return 'xbits: too many arguments';
    if (a.length === 4) {
      const e = expireArg(a[3], 'xbits');
      if (typeof e === 'string') return e;
      expire = e;
    }
    return push(b, { cmd, name: a[1], id: xbitId(a[1]), track, expire, keyword: 'xbits' });
  },
};

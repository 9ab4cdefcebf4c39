/**
 * hostbits (Suricata detect-hostbits.c): xbits stored per host, the host being the packet's
 * source (default) or destination. See rules/keywords/xbits.ts for the grammar notes.
 */
import { docUrl, type Keyword } from './keyword.js';
import { HOSTBITS_EXPIRE_DEFAULT, XbitTrack, xbitId } from '../detect/xbits.js';
import { CMDS, NAME, expireArg, push } from './xbits.js';

export const hostbits: Keyword = {
  name: 'hostbits', value: 'required',
  description: 'set and check named bits stored per host (src or dst of the packet)',
  url: docUrl('xbits', 'xbits'),
  parse(v, b) {
    const a = v!.split(',').map((s) => s.trim());
    if (a[0] === 'noalert') {
      if (a.length !== 1) return 'hostbits:noalert takes no name';
      b.rule.noalert = true;
      return null;
    }
    const cmd = CMDS.get(a[0]);
    if (cmd === undefined) return `hostbits: unknown command "${a[0]}"`;
    if (a.length < 2 || !a[1]) return `hostbits:${a[0]} needs a name`;
    if (!NAME.test(a[1])) return `hostbits: invalid name "${a[1]}"`;
    let track = XbitTrack.IP_SRC;
    if (a.length >= 3) {
      const d = a[2].replace(/^track\s+ip_/, '');
      if (d === 'src') track = XbitTrack.IP_SRC;
      else if (d === 'dst') track = XbitTrack.IP_DST;
      else if (d === 'both') return "hostbits: 'both' not implemented (as in Suricata)";
      else return `hostbits: unknown direction "${a[2]}" (src, dst)`;
    }
    let expire = HOSTBITS_EXPIRE_DEFAULT;
    if (a.length > 4) return 'hostbits: too many arguments';
    if (a.length === 4) {
      const e = expireArg(a[3], 'hostbits');
      if (typeof e === 'string') return e;
      expire = e;
    }
    return push(b, { cmd, name: a[1], id: xbitId(a[1]), track, expire, keyword: 'hostbits' });
  },
};

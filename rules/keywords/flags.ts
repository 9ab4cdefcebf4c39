import { docUrl, type Keyword } from './keyword.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../detect/packet-view.js';

const BITS: Record<string, number> = {
  F: TCP_FIN, S: TCP_SYN, R: TCP_RST, P: TCP_PSH, A: TCP_ACK, U: TCP_URG, C: TCP_CWR, E: TCP_ECE,
  '1': TCP_CWR, '2': TCP_ECE, '0': 0,
};

function bits(s: string): number | null {
  let m = 0;
  for (const ch of s.toUpperCase()) {
    if (!(ch in BITS)) return null;
    m |= BITS[ch];
  }
  return m;
}

/**
 * flags:[!+*]FSRPAUCE0[,ignored]; TCP flags. No modifier: exactly these (after masking the
 * ignored ones); + these and maybe others; * any of these; ! none of these.
 */
export const flags: Keyword = {
  name: 'flags', value: 'required', aliases: ['tcp.flags'],
  description: 'match on the TCP flags',
  url: docUrl('header-keywords', 'flags'),
  parse(v, b) {
    const [main, ign] = v!.split(',').map((s) => s.trim());
    let s = main;
    let mod = '';
    while (s.length && '!+*'.includes(s[0])) { mod += s[0]; s = s.slice(1); }
    if (mod.length > 1) return `invalid flags modifier "${mod}"`;
    let m = s.length && '!+*'.includes(s[s.length - 1]) ? s[s.length - 1] : '';
    if (m) { if (mod) return `invalid flags "${main}"`; mod = m; s = s.slice(0, -1); }
    const want = bits(s);
    if (want === null || s === '') return `invalid flags "${main}"`;
    const ignore = ign ? bits(ign) : 0;
    if (ignore === null) return `invalid ignored flags "${ign}"`;
    const keep = ~ignore & 0xff;
    const fn =
      mod === '+' ? (f: number) => (f & want) === want
      : mod === '*' ? (f: number) => (f & want) !== 0
      : mod === '!' ? (f: number) => want === 0 ? (f & keep) !== 0 : (f & want) !== want
      : (f: number) => (f & keep) === want;
    b.rule.header.push({ keyword: 'flags', match: (p) => p.proto === 6 && fn(p.tcpFlags), tcpFlags: fn });
    return null;
  },
};

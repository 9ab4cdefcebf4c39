/**
 * Suricata rule text → Rule. Header: action proto src sport dir dst dport; options in
 * parentheses, `name[:value];` separated by unescaped semicolons, dispatched to the keyword
 * registry (rules/keywords/index.ts). Returns a Rule or a typed failure with the keyword.
 */
import { parseAddress, parsePort } from './address.js';
import { RuleBuilder, type RulesetContext } from './builder.js';
import { APP_LAYER_KEYWORD, KEYWORD_BY_NAME } from './keywords/index.js';
import type { Action, ProtoSpec, Rule } from './types.js';
import { appProtoId } from '../sensor/app/types.js';

export type SkipReason = 'unsupported-keyword' | 'needs-app-layer' | 'invalid-option' | 'invalid-header' | 'missing-sid' | 'needs-app-layer-protocol';

export interface ParseFailure {
  reason: SkipReason;
  keyword: string;
  message: string;
  sid: number;
}

const ACTIONS = new Set<Action>(['alert', 'pass', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth']);

const IP_PROTOS: Record<string, number> = { ip: -1, pkthdr: -1, ipv4: -1, ipv6: -1, tcp: 6, udp: 17, icmp: 1, icmpv4: 1, icmpv6: 58, sctp: 132, 'ipv6-icmp': 58 };

/** App-layer protocol names Suricata accepts in the header (parsed now, need app-layer). */
const APP_PROTOS: Record<string, number> = {
  http: 6, http1: 6, http2: 6, ftp: 6, 'ftp-data': 6, smtp: 6, tls: 6, ssl: 6, ssh: 6, smb: 6, dcerpc: -1, dns: -1,
  imap: 6, pop3: 6, msn: 6, jabber: 6, modbus: 6, dnp3: 6, enip: -1, nfs: -1, ntp: 17, tftp: 17, ikev2: 17,
  ike: 17, krb5: -1, dhcp: 17, snmp: 17, sip: -1, rfb: 6, mqtt: 6, rdp: 6, telnet: 6, websocket: 6,
  bittorrent_dht: 17, quic: 17, pgsql: 6, ldap: -1, 'dns-tcp': 6, 'dns-udp': 17,
};

/** Splits the option block at unescaped ';' into [name, value|null] pairs. */
export function splitOptions(body: string): Array<[string, string | null]> | string {
  const out: Array<[string, string | null]> = [];
  let cur = '';
  // Like Suricata, only an unescaped ';' ends an option; quotes are not tracked (ET Open has
  // pcre:"/^["']?post/Ri" with a bare quote inside).
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && i + 1 < body.length) { cur += c + body[i + 1]; i++; continue; }
    if (c === ';') {
      if (cur.trim()) out.push(splitNameValue(cur));
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) return `option "${cur.trim().slice(0, 40)}" is not terminated by ;`;
  return out;
}

function splitNameValue(opt: string): [string, string | null] {
  const i = opt.indexOf(':');
  if (i < 0) return [opt.trim(), null];
  return [opt.slice(0, i).trim(), opt.slice(i + 1).trim()];
}

/** Tokenises the header: 7 fields, where address/port fields may be [bracketed, lists]. */
function headerTokens(h: string): string[] | null {
  const toks: string[] = [];
  let i = 0;
  while (i < h.length) {
    while (i < h.length && /\s/.test(h[i])) i++;
    if (i >= h.length) break;
    let j = i, depth = 0;
    while (j < h.length && (depth > 0 || !/\s/.test(h[j]))) {
      if (h[j] === '[') depth++;
      else if (h[j] === ']') depth--;
      j++;
    }
    toks.push(h.slice(i, j));
    i = j;
  }
  return toks.length === 7 ? toks : null;
}

export function newRule(file: string, line: number, text: string): Rule {
  return {
    index: -1, action: 'alert', proto: { name: 'ip', ipProto: -1, app: '', pktOnly: false, streamOnly: false },
    src: { k: 'any' }, sport: { k: 'any' }, dst: { k: 'any' }, dport: { k: 'any' }, bidirectional: false, txBoth: false,
    sid: 0, gid: 1, rev: 0, msg: '', classtype: '', category: '', priority: 3, references: [], metadata: [],
    target: '', payload: [], hdrBufs: [], decodeEvents: [], header: [], dsize: null, flow: null, flowbits: [], flowints: [],
    threshold: null, suppress: [], rateFilter: null, detectionFilter: null, noalert: false, tag: null, xbits: undefined, byteVars: 0, needs: [],
    file, line, text,
  };
}

export function parseRule(text: string, file: string, line: number, ctx: RulesetContext): Rule | ParseFailure {
  const sidMatch = /[;(]\s*sid\s*:\s*(\d+)/.exec(text);
  const sid = sidMatch ? Number(sidMatch[1]) : 0;
  const fail = (reason: SkipReason, keyword: string, message: string): ParseFailure => ({ reason, keyword, message, sid });
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return fail('invalid-header', '', 'no option block ( ... )');
  if (text.slice(close + 1).trim() !== '') return fail('invalid-header', '', 'text after the closing )');
  const toks = headerTokens(text.slice(0, open));
  if (!toks) return fail('invalid-header', '', 'header must be: action proto src sport direction dst dport');
  const [action, protoName, src, sport, dir, dst, dport] = toks;
  const rule = newRule(file, line, text);
  if (!ACTIONS.has(action as Action)) return fail('invalid-header', '', `unknown action "${action}"`);
  rule.action = action as Action;
  const pn = protoName.toLowerCase();
  let proto: ProtoSpec;
  if (pn in IP_PROTOS) proto = { name: pn, ipProto: IP_PROTOS[pn], app: '', pktOnly: false, streamOnly: false };
  else if (pn === 'tcp-pkt' || pn === 'tcp-stream') proto = { name: pn, ipProto: 6, app: '', pktOnly: pn === 'tcp-pkt', streamOnly: pn === 'tcp-stream' };
  else if (pn in APP_PROTOS) proto = { name: pn, ipProto: APP_PROTOS[pn], app: pn, pktOnly: false, streamOnly: false };
  else return fail('invalid-header', '', `unknown protocol "${protoName}"`);
  rule.proto = proto;
  if (pn === 'ipv4' || pn === 'ipv6') {
    const v = pn === 'ipv4' ? 4 : 6;
    rule.header.push({ keyword: pn, match: (p) => p.ipVersion === v });
  }
  if (dir !== '->' && dir !== '<>' && dir !== '=>') return fail('invalid-header', '', `bad direction "${dir}"`);
  rule.bidirectional = dir === '<>';
  rule.txBoth = dir === '=>';
  const vars = ctx.vars;
  const s = parseAddress(src, vars); if (typeof s === 'string') return fail('invalid-header', '', `source address: ${s}`);
  const d = parseAddress(dst, vars); if (typeof d === 'string') return fail('invalid-header', '', `destination address: ${d}`);
  const sp = parsePort(sport, vars); if (typeof sp === 'string') return fail('invalid-header', '', `source port: ${sp}`);
  const dp = parsePort(dport, vars); if (typeof dp === 'string') return fail('invalid-header', '', `destination port: ${dp}`);
  rule.src = s; rule.dst = d; rule.sport = sp; rule.dport = dp;
  const opts = splitOptions(text.slice(open + 1, close));
  if (typeof opts === 'string') return fail('invalid-option', '', opts);
  const b = new RuleBuilder(rule, ctx);
  let haveSid = false;
  // Unknown keywords first: a rule that cannot load should say so by keyword even when an
  // earlier option would also fail (Suricata reports the first error it meets; a keyword
  // name is the more useful fact for `rules check`).
  for (const [name] of opts) {
    if (!KEYWORD_BY_NAME.has(name)) {
      return APP_LAYER_KEYWORD.test(name)
        ? fail('needs-app-layer', name, `app-layer keyword "${name}" is not available yet`)
        : fail('unsupported-keyword', name, `unsupported keyword "${name}"`);
    }
  }
  for (const [name, value] of opts) {
    const kw = KEYWORD_BY_NAME.get(name)!;
    if (kw.value === 'required' && (value === null || value === '')) return fail('invalid-option', name, `${name} needs a value`);
    if (kw.value === 'none' && value !== null) return fail('invalid-option', name, `${name} takes no value`);
    let err: string | null;
    try {
      err = kw.parse(value, b);
    } catch (e) {
      err = `internal error: ${(e as Error).message}`;
    }
    if (err) return fail('invalid-option', name, err);
    if (name === 'sid') haveSid = true;
    if (rule.needs.length) return fail('needs-app-layer', name, `${name} needs app-layer buffer ${rule.needs[0]}`);
  }
  if (!haveSid) return fail('missing-sid', '', 'rule has no sid');
  // Suricata 8: `=>` is for transactions (app-layer buffers) only.
  if (rule.txBoth && !rule.app) return fail('invalid-header', '', '=> rules need app-layer transaction keywords');
  // App-layer protocols Fennec parses (sensor/app: http, dns, tls, ssh) load once the
  // context has app-layer detection on; the others (smtp, ftp, smb ...) still skip.
  if (proto.app && !(ctx.appLayer && appProtoId(proto.app) > 0)) return fail('needs-app-layer-protocol', proto.app, `protocol "${proto.app}" needs app-layer detection`);
  if (proto.app && rule.app && rule.app.proto && rule.app.proto !== appProtoId(proto.app) && !(proto.app === 'http2' && rule.app.proto === appProtoId('http'))) return fail('invalid-option', '', `buffers of another protocol than the header's "${proto.app}"`);
  // Packets-only keywords cannot apply to a stream: dsize makes the rule packet-only.
  return rule;
}

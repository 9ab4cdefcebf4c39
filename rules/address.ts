/**
 * Address and port groups of the rule header: `any`, `1.2.3.0/24`, `1.2.3.4-1.2.3.9`, IPv6
 * prefixes, `[a,b,!c]` lists (union of the positive items minus the negated ones; a list of
 * only negations means "any except"), `!x` and `$VAR` from vars.address-groups /
 * vars.port-groups with Suricata's suricata.yaml defaults. Parsed once into a small tree;
 * matching walks it with numbers only.
 */
export type AddrExpr =
  | { k: 'any' }
  | { k: 'v4'; lo: number; hi: number }
  | { k: 'v6'; w: Uint32Array; plen: number }
  | { k: 'list'; pos: AddrExpr[]; neg: AddrExpr[]; v4?: Uint32Array }
  | { k: 'not'; e: AddrExpr };

export type PortExpr =
  | { k: 'any' }
  | { k: 'range'; lo: number; hi: number }
  | { k: 'list'; pos: PortExpr[]; neg: PortExpr[] }
  | { k: 'not'; e: PortExpr };

/** suricata.yaml defaults (Suricata 7/8). */
export const DEFAULT_ADDRESS_GROUPS: Record<string, string> = {
  HOME_NET: '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]',
  EXTERNAL_NET: '!$HOME_NET',
  HTTP_SERVERS: '$HOME_NET', SMTP_SERVERS: '$HOME_NET', SQL_SERVERS: '$HOME_NET',
  DNS_SERVERS: '$HOME_NET', TELNET_SERVERS: '$HOME_NET', AIM_SERVERS: '$EXTERNAL_NET',
  DC_SERVERS: '$HOME_NET', DNP3_SERVER: '$HOME_NET', DNP3_CLIENT: '$HOME_NET',
  MODBUS_CLIENT: '$HOME_NET', MODBUS_SERVER: '$HOME_NET', ENIP_CLIENT: '$HOME_NET', ENIP_SERVER: '$HOME_NET',
};

export const DEFAULT_PORT_GROUPS: Record<string, string> = {
  HTTP_PORTS: '80', SHELLCODE_PORTS: '!80', ORACLE_PORTS: '1521', SSH_PORTS: '22',
  DNP3_PORTS: '20000', MODBUS_PORTS: '502', FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]',
  FTP_PORTS: '21', GENEVE_PORTS: '6081', VXLAN_PORTS: '4789', TEREDO_PORTS: '3544',
  SIP_PORTS: '[5060, 5061]',
};

export interface Vars {
  address: Record<string, string>;
  port: Record<string, string>;
}

export function defaultVars(): Vars {
  return { address: { ...DEFAULT_ADDRESS_GROUPS }, port: { ...DEFAULT_PORT_GROUPS } };
}

class ParseError extends Error {}

/** Splits a bracket list body at top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') { depth--; if (depth < 0) throw new ParseError('unbalanced ]'); }
    else if (c === ',' && depth === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  if (depth !== 0) throw new ParseError('unbalanced [');
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

/** IPv6 text to 4 big-endian 32-bit words, or null. */
export function ipv6Words(s: string): Uint32Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return null;
  let head = s, tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) { head = s.slice(0, dbl); tail = s.slice(dbl + 2); if (tail.includes('::')) return null; }
  const parse = (p: string): number[] | null => {
    if (p === '') return [];
    const groups: number[] = [];
    const parts = p.split(':');
    for (let i = 0; i < parts.length; i++) {
      const g = parts[i];
      if (i === parts.length - 1 && g.includes('.')) {
        const v4 = ipv4(g);
        if (v4 === null) return null;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        groups.push(parseInt(g, 16));
      }
    }
    return groups;
  };
  const h = parse(head), t = parse(tail);
  if (!h || !t) return null;
  const fill = 8 - h.length - t.length;
  if (dbl < 0 ? fill !== 0 : fill < 0) return null;
  const g = [...h, ...new Array(Math.max(0, fill)).fill(0), ...t];
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0;
  return w;
}

function parseAddrItem(s: string, vars: Vars, depth: number): AddrExpr {
  if (depth > 16) throw new ParseError('variable recursion too deep');
  s = s.trim();
  if (s === '') throw new ParseError('empty address');
  if (s.startsWith('!')) {
    const e = parseAddrItem(s.slice(1), vars, depth + 1);
    if (e.k === 'any') throw new ParseError('!any matches nothing');
    return { k: 'not', e };
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new ParseError(`unbalanced list "${s}"`);
    const items = splitTop(s.slice(1, -1)).map((x) => parseAddrItem(x, vars, depth + 1));
    if (items.length === 0) throw new ParseError('empty address list');
    const pos: AddrExpr[] = [], neg: AddrExpr[] = [];
    for (const it of items) {
      if (it.k === 'not') neg.push(it.e); else pos.push(it);
    }
    if (pos.some((p) => p.k === 'any') && neg.length === 0) return { k: 'any' };
    return indexList({ k: 'list', pos, neg });
  }
  if (s === 'any') return { k: 'any' };
  if (s.startsWith('$')) {
    const name = s.slice(1);
    const v = vars.address[name];
    if (v === undefined) throw new ParseError(`undefined address variable $${name}`);
    return parseAddrItem(v, vars, depth + 1);
  }
  const dash = s.indexOf('-');
  if (dash > 0 && !s.includes(':')) {
    const lo = ipv4(s.slice(0, dash).trim()), hi = ipv4(s.slice(dash + 1).trim());
    if (lo === null || hi === null || lo > hi) throw new ParseError(`bad address range "${s}"`);
    return { k: 'v4', lo, hi };
  }
  const slash = s.indexOf('/');
  const ip = slash >= 0 ? s.slice(0, slash) : s;
  const plenText = slash >= 0 ? s.slice(slash + 1) : '';
  const v4 = ipv4(ip);
  if (v4 !== null) {
    let plen = 32;
    if (plenText !== '') {
      const mask = ipv4(plenText);
      if (mask !== null) {
        plen = 32 - Math.log2(2 ** 32 - mask);
        if (!Number.isInteger(plen)) throw new ParseError(`bad netmask "${s}"`);
      } else if (/^\d+$/.test(plenText) && Number(plenText) <= 32) plen = Number(plenText);
      else throw new ParseError(`bad prefix "${s}"`);
    }
    const size = 2 ** (32 - plen);
    const lo = v4 - (v4 % size);
    return { k: 'v4', lo, hi: lo + size - 1 };
  }
  const w = ipv6Words(ip);
  if (w) {
    let plen = 128;
    if (plenText !== '') {
      if (!/^\d+$/.test(plenText) || Number(plenText) > 128) throw new ParseError(`bad prefix "${s}"`);
      plen = Number(plenText);
    }
    return { k: 'v6', w, plen };
  }
  throw new ParseError(`bad address "${s}"`);
}

function parsePortItem(s: string, vars: Vars, depth: number): PortExpr {
  if (depth > 16) throw new ParseError('variable recursion too deep');
  s = s.trim();
  if (s === '') throw new ParseError('empty port');
  if (s.startsWith('!')) {
    const e = parsePortItem(s.slice(1), vars, depth + 1);
    if (e.k === 'any') throw new ParseError('!any matches nothing');
    return { k: 'not', e };
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new ParseError(`unbalanced list "${s}"`);
    const items = splitTop(s.slice(1, -1)).map((x) => parsePortItem(x, vars, depth + 1));
    if (items.length === 0) throw new ParseError('empty port list');
    const pos: PortExpr[] = [], neg: PortExpr[] = [];
    for (const it of items) {
      if (it.k === 'not') neg.push(it.e); else pos.push(it);
    }
    if (pos.some((p) => p.k === 'any') && neg.length === 0) return { k: 'any' };
    return { k: 'list', pos, neg };
  }
  if (s === 'any') return { k: 'any' };
  if (s.startsWith('$')) {
    const name = s.slice(1);
    const v = vars.port[name];
    if (v === undefined) throw new ParseError(`undefined port variable $${name}`);
    return parsePortItem(v, vars, depth + 1);
  }
  const m = /^(\d+)?\s*(:)?\s*(\d+)?$/.exec(s);
  if (!m || (!m[1] && !m[3])) throw new ParseError(`bad port "${s}"`);
  const lo = m[1] ? Number(m[1]) : 0;
  const hi = m[2] ? (m[3] ? Number(m[3]) : 65535) : lo;
  if (lo > 65535 || hi > 65535 || lo > hi) throw new ParseError(`bad port range "${s}"`);
  return { k: 'range', lo, hi };
}

export function parseAddress(s: string, vars: Vars): AddrExpr | string {
  try { return parseAddrItem(s, vars, 0); } catch (e) { if (e instanceof ParseError) return e.message; throw e; }
}

export function parsePort(s: string, vars: Vars): PortExpr | string {
  try { return parsePortItem(s, vars, 0); } catch (e) { if (e instanceof ParseError) return e.message; throw e; }
}

/**
 * Long IPv4 lists (ET Open's reputation groups hold hundreds of addresses) get their
 * positive v4 items merged into sorted ranges for a binary search: the linear walk cost
 * ~1 µs per rule per packet on the CINS/Threatview groups (bench/rules.ts profiling).
 */
function indexList(e: { k: 'list'; pos: AddrExpr[]; neg: AddrExpr[]; v4?: Uint32Array }): AddrExpr {
  const v4 = e.pos.filter((x): x is { k: 'v4'; lo: number; hi: number } => x.k === 'v4');
  if (v4.length < 8) return e;
  return { k: 'list', pos: e.pos.filter((x) => x.k !== 'v4'), neg: e.neg, v4: v4Union([Uint32Array.from(v4.flatMap((x) => [x.lo, x.hi]))]) };
}

const V4_ALL = Uint32Array.from([0, 0xffffffff]);
const V4_NONE = new Uint32Array(0);

/** Union of sorted-or-not [lo, hi] pair lists into sorted, disjoint, merged pairs. */
function v4Union(lists: Uint32Array[]): Uint32Array {
  const pairs: Array<[number, number]> = [];
  for (const l of lists) for (let i = 0; i < l.length; i += 2) pairs.push([l[i], l[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n && lo <= out[n - 1] + 1) { if (hi > out[n - 1]) out[n - 1] = hi; } else out.push(lo, hi);
  }
  return Uint32Array.from(out);
}

/** Complement of sorted disjoint pairs within [0, 2^32 - 1]. */
function v4Complement(r: Uint32Array): Uint32Array {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i] > next) out.push(next, r[i] - 1);
    next = r[i + 1] + 1;
  }
  if (next <= 0xffffffff) out.push(next, 0xffffffff);
  return Uint32Array.from(out);
}

/**
 * The exact set of IPv4 addresses an expression matches (addrMatch with ver 4), as sorted
 * disjoint [lo, hi] pairs for inV4Set(). Rule verification tests these with one binary
 * search per address instead of walking $HOME_NET / !$HOME_NET lists (addrMatch was 4 % of
 * the ET Open profile).
 */
export function v4Set(e: AddrExpr): Uint32Array {
  switch (e.k) {
    case 'any': return V4_ALL;
    case 'v4': return Uint32Array.from([e.lo, e.hi]);
    case 'v6': return V4_NONE;
    case 'not': return v4Complement(v4Set(e.e));
    case 'list': {
      const pos = e.pos.map(v4Set);
      if (e.v4 !== undefined) pos.push(e.v4);
      const base = pos.length === 0 && e.v4 === undefined ? V4_ALL : v4Union(pos);
      if (e.neg.length === 0) return base;
      const neg = v4Union(e.neg.map(v4Set));
      // base minus neg = base ∩ complement(neg)
      const keep = v4Complement(neg), out: number[] = [];
      let i = 0, j = 0;
      while (i < base.length && j < keep.length) {
        const lo = Math.max(base[i], keep[j]), hi = Math.min(base[i + 1], keep[j + 1]);
        if (lo <= hi) out.push(lo, hi);
        if (base[i + 1] < keep[j + 1]) i += 2; else j += 2;
      }
      return Uint32Array.from(out);
    }
  }
}

/** An IPv4 address (a 32-bit word) in sorted disjoint [lo, hi] pairs (a v4Set, a list's merged v4 items). */
export function inV4Set(r: Uint32Array, a: number): boolean {
  let lo = 0, hi = (r.length >> 1) - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (a < r[2 * m]) hi = m - 1;
    else if (a > r[2 * m + 1]) lo = m + 1;
    else return true;
  }
  return false;
}

/** Address match: ver 4 uses w[3] (the IPv4-mapped form ::ffff:a.b.c.d, as sensor/decode/packet.ts stores it), ver 6 all four big-endian words. */
export function addrMatch(e: AddrExpr, ver: number, w: Uint32Array): boolean {
  switch (e.k) {
    case 'any': return true;
    case 'v4': return ver === 4 && w[3] >= e.lo && w[3] <= e.hi;
    case 'v6': {
      if (ver !== 6) return false;
      let bits = e.plen;
      for (let i = 0; i < 4 && bits > 0; i++) {
        const n = bits >= 32 ? 32 : bits;
        const mask = n === 32 ? 0xffffffff : (0xffffffff << (32 - n)) >>> 0;
        if (((w[i] & mask) >>> 0) !== ((e.w[i] & mask) >>> 0)) return false;
        bits -= n;
      }
      return true;
    }
    case 'list': {
      for (let i = 0; i < e.neg.length; i++) if (addrMatch(e.neg[i], ver, w)) return false;
      if (e.v4 !== undefined) {
        if (ver === 4 && inV4Set(e.v4, w[3])) return true;
      } else if (e.pos.length === 0) return true;
      for (let i = 0; i < e.pos.length; i++) if (addrMatch(e.pos[i], ver, w)) return true;
      return false;
    }
    case 'not': return !addrMatch(e.e, ver, w);
  }
}

export function portMatch(e: PortExpr, port: number): boolean {
  switch (e.k) {
    case 'any': return true;
    case 'range': return port >= e.lo && port <= e.hi;
    case 'list': {
      for (let i = 0; i < e.neg.length; i++) if (portMatch(e.neg[i], port)) return false;
      if (e.pos.length === 0) return true;
      for (let i = 0; i < e.pos.length; i++) if (portMatch(e.pos[i], port)) return true;
      return false;
    }
    case 'not': return !portMatch(e.e, port);
  }
}

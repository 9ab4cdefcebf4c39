import { docUrl, args, type Keyword } from './keyword.js';
import { parseUint, uintMatch, type UintCheck } from './uint.js';
import type { FlowCtx } from '../detect/flow-ctx.js';
import type { RuleBuilder } from '../builder.js';

type Side = 'toserver' | 'toclient' | 'either';

/**
 * flow.pkts:toserver|toclient|either,<uint>; and flow.bytes:... (Suricata 8), plus the older
 * flow.pkts_toserver:<uint> style names. Counts include the current packet (the flow table
 * accounts a packet before detection sees it, as Suricata's FlowUpdate does).
 */
function add(b: RuleBuilder, kw: string, side: Side, c: UintCheck, bytes: boolean): void {
  const get = bytes
    ? (f: FlowCtx, ts: boolean) => (ts ? f.bytesToServer : f.bytesToClient)
    : (f: FlowCtx, ts: boolean) => (ts ? f.packetsToServer : f.packetsToClient);
  b.rule.header.push({
    keyword: kw,
    match: (_p, f) => f !== null && (side === 'either' ? uintMatch(c, get(f, true)) || uintMatch(c, get(f, false)) : uintMatch(c, get(f, side === 'toserver'))),
  });
}

function newStyle(name: string, bytes: boolean): Keyword {
  return {
    name, value: 'required',
    description: `match on the number of ${bytes ? 'bytes' : 'packets'} of the flow per direction`,
    url: docUrl('flow-keywords', name.replace('.', '-')),
    parse(v, b) {
      const a = args(v!);
      if (a.length !== 2 || !['toserver', 'toclient', 'either'].includes(a[0])) return `${name}: expected toserver|toclient|either,<uint>`;
      const c = parseUint(a[1], Number.MAX_SAFE_INTEGER);
      if (typeof c === 'string') return `${name}: ${c}`;
      add(b, name, a[0] as Side, c, bytes);
      return null;
    },
  };
}

function oldStyle(name: string, side: Side, bytes: boolean): Keyword {
  return {
    name, value: 'required',
    description: `match on the number of ${bytes ? 'bytes' : 'packets'} of the flow ${side}`,
    url: docUrl('flow-keywords', name.replace('.', '-').replace('_', '-')),
    parse(v, b) {
      const c = parseUint(v!, Number.MAX_SAFE_INTEGER);
      if (typeof c === 'string') return `${name}: ${c}`;
      add(b, name, side, c, bytes);
      return null;
    },
  };
}

export const flowPkts = newStyle('flow.pkts', false);
export const flowBytes = newStyle('flow.bytes', true);
export const flowPktsToServer = oldStyle('flow.pkts_toserver', 'toserver', false);
export const flowPktsToClient = oldStyle('flow.pkts_toclient', 'toclient', false);
export const flowBytesToServer = oldStyle('flow.bytes_toserver', 'toserver', true);
export const flowBytesToClient = oldStyle('flow.bytes_toclient', 'toclient', true);

/**
 * App-layer sticky buffers for the keyword registry: a sticky buffer is a name and a buffer
 * id (sensor/app/types.ts BUF); a rule's content, pcre, byte_* and isdataat after it land in that
 * buffer's list (rule.app.lists) instead of the packet payload. Legacy content modifiers
 * (http_uri after a content) move the previous content into the buffer's list.
 *
 * Routing without changing builder.ts: the first sticky keyword of a rule replaces the
 * builder's addPayload on that builder instance with one that looks at `b.buffer`
 * ('payload' after pkt_data goes back to rule.payload). Rule.app is added to the Rule type
 * by module augmentation below.
 */
import type { RuleBuilder, RulesetContext } from '../builder.js';
import type { ContentMatch, PayloadMatch } from '../types.js';
import type { UintCheck } from './uint.js';
import { docUrl, type Keyword } from './keyword.js';
import { AppProto, TO_CLIENT, TO_SERVER } from '../../sensor/app/types.js';

export interface AppList {
  name: string;
  buffer: number;
  /** Directions the buffer exists in (TO_SERVER | TO_CLIENT bits). */
  dirs: number;
  /** Multi-buffer (tls.certs, dns.query): the list matches if any instance matches. */
  multi: boolean;
  matches: PayloadMatch[];
  bsize: UintCheck | null;
  /** Transforms applied to the buffer before inspection, in order (dotprefix ...). */
  transforms: string[];
}

export interface AppNumCheck {
  /** AppTx.num name: urilen, urilen.raw, opcode, rrtype, ... */
  name: string;
  check: UintCheck;
  dirs: number;
}

export interface AppRuleSpec {
  /** AppProto the rule's buffers imply (0 = from the header only). */
  proto: number;
  lists: AppList[];
  nums: AppNumCheck[];
  /** app-layer-event names (all must be raised on the transaction). */
  events: string[];
  /** app-layer-protocol checks: [AppProto id or -1 for "failed"/unknown, negated]. */
  protos: Array<{ proto: number; negated: boolean; dir?: number }>;
}

declare module '../types.js' {
  interface Rule {
    /** App-layer parts of the rule (rules/keywords/app-buffer.ts); absent for packet rules. */
    app?: AppRuleSpec;
  }
}

declare module '../builder.js' {
  interface RulesetContext {
    /** Set by enableAppLayer(): sticky buffers load (otherwise they skip as needs-app-layer). */
    appLayer?: boolean;
  }
}

/**
 * Turns app-layer keywords on for a ruleset load. Until the detection engine keeps rules
 * with `rule.app` off the packet path, loading them would make their (empty) packet payload
 * list match every packet; so the loader opts in once the engine routes them to
 * rules/detect/app-inspect.ts.
 */
export function enableAppLayer(ctx: RulesetContext): void {
  ctx.appLayer = true;
}

export function appSpec(b: RuleBuilder): AppRuleSpec {
  let a = b.rule.app;
  if (!a) {
    a = { proto: 0, lists: [], nums: [], events: [], protos: [] };
    b.rule.app = a;
    const orig = b.addPayload.bind(b);
    b.addPayload = (m: PayloadMatch): void => {
      if (b.buffer === 'payload') { orig(m); return; }
      const list = a!.lists.find((l) => l.name === b.buffer);
      if (!list) { orig(m); return; }
      list.matches.push(m);
      b.lastPayload = m;
      if (m.t === 'content') b.lastContent = m;
    };
  }
  return a;
}

export interface BufferDef {
  name: string;
  aliases?: string[];
  buffer: number;
  proto: number;
  dirs: number;
  multi?: boolean;
  description: string;
  doc: [string, string];
}

function gate(b: RuleBuilder, name: string): string | null {
  if (!b.ctx.appLayer) { b.rule.needs.push(name); return null; }
  return '';
}

function setProto(a: AppRuleSpec, proto: number, name: string): string | null {
  // http.* buffers in an HTTP/2 rule (http2.* keyword first): Suricata's http.* cover HTTP/2.
  if (a.proto === AppProto.HTTP2 && proto === AppProto.HTTP) return null;
  if (a.proto !== 0 && a.proto !== proto) return `${name} cannot be combined with buffers of another protocol`;
  a.proto = proto;
  return null;
}

export function listFor(b: RuleBuilder, d: BufferDef, dir = 0): AppList | string {
  const a = appSpec(b);
  const e = setProto(a, d.proto, d.name);
  if (e) return e;
  // `=>` rules: a buffer of both directions is to_server unless named to_client; the
  // to_client instance is its own list.
  if (b.rule.txBoth && d.dirs === BOTH && dir === 0) dir = TO_SERVER;
  const name = dir === TO_CLIENT && d.dirs === BOTH ? `${d.name}:to_client` : d.name;
  let l = a.lists.find((x) => x.name === name);
  if (!l) {
    l = { name, buffer: d.buffer, dirs: dir || d.dirs, multi: d.multi ?? false, matches: [], bsize: null, transforms: [] };
    a.lists.push(l);
  }
  return l;
}

/** Every sticky buffer by name (pcre's /U /H ... modifiers route into them). */
export const BUFFER_DEFS = new Map<string, BufferDef>();

/** `name;` switches the inspection buffer (Suricata sticky buffer). */
export function stickyBuffer(d: BufferDef): Keyword {
  BUFFER_DEFS.set(d.name, d);
  return {
    name: d.name, aliases: d.aliases, value: 'optional', description: d.description, url: docUrl(d.doc[0], d.doc[1]),
    parse(v, b) {
      if (gate(b, d.name) === null) return null;
      // Suricata 8 `=>` rules: `http.connection: to_client;` picks the direction.
      let dir = 0;
      if (v !== null) {
        if (v !== 'to_client' && v !== 'to_server') return `${d.name}: direction must be to_client or to_server`;
        if (!b.rule.txBoth) return `${d.name}: a direction is only allowed in => rules`;
        dir = v === 'to_client' ? TO_CLIENT : TO_SERVER;
        if ((d.dirs & dir) === 0) return `${d.name} has no ${v} direction`;
      }
      const l = listFor(b, d, dir);
      if (typeof l === 'string') return l;
      b.buffer = l.name;
      b.lastContent = null;
      b.lastPayload = l.matches.length ? l.matches[l.matches.length - 1] : null;
      return null;
    },
  };
}

/** Legacy `content:"x"; http_uri;`: moves the previous content into the buffer's list. */
export function contentModifier(name: string, d: BufferDef): Keyword {
  return {
    name, value: 'none', description: `content modifier: the previous content inspects ${d.name}`,
    url: docUrl(d.doc[0], d.doc[1]),
    parse(_v, b) {
      if (gate(b, name) === null) return null;
      const c = b.content(name);
      if (typeof c === 'string') return c;
      const l = listFor(b, d);
      if (typeof l === 'string') return l;
      if (b.buffer !== 'payload') return `${name} after a sticky buffer`;
      const i = b.rule.payload.indexOf(c);
      if (i < 0) return `${name}: content already bound to another buffer`;
      b.rule.payload.splice(i, 1);
      l.matches.push(c);
      b.lastPayload = c;
      return null;
    },
  };
}

/** The list the current sticky buffer writes to, or an error. */
export function currentList(b: RuleBuilder, kw: string): AppList | string {
  const a = b.rule.app;
  const l = a?.lists.find((x) => x.name === b.buffer);
  return l ?? `${kw} needs a preceding sticky buffer`;
}

export const BOTH = TO_SERVER | TO_CLIENT;
export { TO_SERVER, TO_CLIENT };
export type { ContentMatch };

/**
 * RuleBuilder: the state a rule's options are parsed into, in order. Content modifiers
 * (nocase, depth, distance, fast_pattern...) apply to the last content; relative keywords
 * (isdataat, byte_test and the like, pcre with relative) refer to the previous payload match.
 * RulesetContext is shared by all rules of one load: variables, classifications, and the
 * interned flowbit / flowint names (a name becomes a small integer slot).
 */
import type { Vars } from './address.js';
import type { ContentMatch, HeaderBufferMatch, PayloadMatch, Rule } from './types.js';

export interface Classification {
  name: string;
  description: string;
  priority: number;
}

export class RulesetContext {
  readonly flowbits = new Map<string, number>();
  readonly flowints = new Map<string, number>();
  /** Flowbit names set somewhere / checked somewhere (for "isset but never set" warnings). */
  readonly bitsSet = new Set<string>();
  readonly bitsChecked = new Set<string>();
  readonly warnings: string[] = [];
  constructor(readonly vars: Vars, readonly classifications: Map<string, Classification>) {}

  bit(name: string): number {
    let b = this.flowbits.get(name);
    if (b === undefined) { b = this.flowbits.size; this.flowbits.set(name, b); }
    return b;
  }

  int(name: string): number {
    let b = this.flowints.get(name);
    if (b === undefined) { b = this.flowints.size; this.flowints.set(name, b); }
    return b;
  }
}

export class RuleBuilder {
  lastContent: ContentMatch | null = null;
  lastPayload: PayloadMatch | null = null;
  readonly byteVarNames = new Map<string, number>();
  /** Set by a sticky buffer keyword Fennec does not provide; the rule is skipped. */
  buffer = 'payload';
  constructor(readonly rule: Rule, readonly ctx: RulesetContext) {}

  /** The header buffer list the next payload matches go to (null = packet payload). */
  hdr: HeaderBufferMatch | null = null;

  addPayload(m: PayloadMatch): void {
    if (this.hdr) this.hdr.matches.push(m);
    else this.rule.payload.push(m);
    this.lastPayload = m;
    if (m.t === 'content') this.lastContent = m;
  }

  /** Slot of a byte_extract / byte_math variable, or -1 when not defined (yet). */
  byteVar(name: string): number {
    return this.byteVarNames.get(name) ?? -1;
  }

  defineByteVar(name: string): number {
    let s = this.byteVarNames.get(name);
    if (s === undefined) { s = this.byteVarNames.size; this.byteVarNames.set(name, s); this.rule.byteVars = this.byteVarNames.size; }
    return s;
  }

  /** Number or byte variable: returns [value, slot]; null when neither. */
  numOrVar(s: string): [number, number] | null {
    s = s.trim();
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) {
      const neg = s.startsWith('-');
      const v = Number(neg ? s.slice(1) : s);
      return [neg ? -v : v, -1];
    }
    const slot = this.byteVar(s);
    return slot >= 0 ? [0, slot] : null;
  }

  /** The content a modifier applies to, or an error. */
  content(kw: string): ContentMatch | string {
    return this.lastContent ?? `${kw} needs a preceding content`;
  }
}

/**
 * The keyword contract: one file per keyword under rules/keywords/, each exporting a
 * Keyword, all listed once in rules/keywords/index.ts. parse() gets the option value (null
 * when the option has none) and the RuleBuilder, and returns null or an error message.
 */
import type { RuleBuilder } from '../builder.js';

export interface Keyword {
  name: string;
  aliases?: readonly string[];
  description: string;
  url: string;
  /** 'none': no value allowed; 'required': value needed; 'optional'. */
  value: 'none' | 'required' | 'optional';
  parse(value: string | null, b: RuleBuilder): string | null;
}

const DOC = 'https://docs.suricata.io/en/latest/rules/';
export const docUrl = (page: string, anchor: string): string => `${DOC}${page}.html#${anchor}`;

/** Splits "a, b ,c" at commas, trimming. */
export function args(v: string): string[] {
  return v.split(',').map((s) => s.trim());
}

/** Parses a signed integer (decimal or 0x hex). */
export function int(s: string): number | null {
  s = s.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) return null;
  const neg = s.startsWith('-');
  const v = Number(neg ? s.slice(1) : s);
  return Number.isSafeInteger(v) ? (neg ? -v : v) : null;
}

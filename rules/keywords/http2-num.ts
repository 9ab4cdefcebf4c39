/**
 * Shared parse step of the numeric http2.* keywords (Suricata 7 "HTTP2 Keywords"): a value
 * checked against every instance the transaction side holds (all frame types, every
 * PRIORITY weight, WINDOW_UPDATE increment, ...; sensor/app/http2/tx.ts num()).
 */
import type { RuleBuilder } from '../builder.js';
import { appSpec, BOTH } from './app-buffer.js';
import { parseUint, UintMode, type UintCheck } from './uint.js';
import { AppProto } from '../../sensor/app/types.js';

/** Adds one numeric check on an HTTP/2 transaction; `names` maps symbolic values (frame types, error codes). */
export function http2Num(b: RuleBuilder, kw: string, num: string, v: string, max: number, names?: readonly string[]): string | null {
  if (!b.ctx.appLayer) { b.rule.needs.push(kw); return null; }
  const s = v.trim();
  let c: UintCheck | string;
  const i = names ? names.indexOf(s.toUpperCase()) : -1;
  if (i >= 0) c = { mode: UintMode.EQ, a: i, b: 0 };
  else c = parseUint(s, max);
  if (typeof c === 'string') return `${kw}: ${c}`;
  const a = appSpec(b);
  if (a.proto !== 0 && a.proto !== AppProto.HTTP2 && a.proto !== AppProto.HTTP) return `${kw} needs an HTTP/2 rule`;
  a.proto = AppProto.HTTP2;
  a.nums.push({ name: num, check: c, dirs: BOTH });
  return null;
}

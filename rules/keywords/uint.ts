/**
 * The shared unsigned integer comparison used by ttl, dsize, itype, icode, window, tcp.mss,
 * stream_size, ... — Suricata's rust/src/detect/uint.rs grammar:
 *   N, =N, !N, <N, <=N, >N, >=N, N<>M and N-M (both exclusive ranges: N < x < M),
 *   !N<>M / !N-M (outside the range).
 */
export const enum UintMode { EQ, NE, LT, LE, GT, GE, RANGE, NOT_RANGE }

export interface UintCheck {
  mode: UintMode;
  a: number;
  b: number;
}

export function uintMatch(c: UintCheck, v: number): boolean {
  switch (c.mode) {
    case UintMode.EQ: return v === c.a;
    case UintMode.NE: return v !== c.a;
    case UintMode.LT: return v < c.a;
    case UintMode.LE: return v <= c.a;
    case UintMode.GT: return v > c.a;
    case UintMode.GE: return v >= c.a;
    case UintMode.RANGE: return v > c.a && v < c.b;
    case UintMode.NOT_RANGE: return v <= c.a || v >= c.b;
  }
}

const NUM = /^(0x[0-9a-f]+|\d+)$/i;

function num(s: string, max: number): number | null {
  s = s.trim();
  if (!NUM.test(s)) return null;
  const v = Number(s);
  return v <= max ? v : null;
}

/** Parses the value; returns an error string on bad syntax or out of [0, max]. */
export function parseUint(text: string, max: number): UintCheck | string {
  let s = text.trim();
  let neg = false;
  if (s.startsWith('!')) { neg = true; s = s.slice(1).trim(); }
  const range = s.includes('<>') ? s.split('<>') : /^\s*\d+\s*-\s*\d+\s*$/.test(s) ? s.split('-') : null;
  if (range) {
    const a = num(range[0], max), b = num(range[1], max);
    if (a === null || b === null || a >= b) return `bad range "${text}"`;
    return { mode: neg ? UintMode.NOT_RANGE : UintMode.RANGE, a, b };
  }
  let mode = UintMode.EQ;
  for (const [p, m] of [['<=', UintMode.LE], ['>=', UintMode.GE], ['<', UintMode.LT], ['>', UintMode.GT], ['=', UintMode.EQ]] as const) {
    if (s.startsWith(p)) { mode = m; s = s.slice(p.length); break; }
  }
  const a = num(s, max);
  if (a === null) return `bad number "${text}" (0..${max})`;
  if (neg) {
    if (mode !== UintMode.EQ) return `negation only with a plain value or range: "${text}"`;
    mode = UintMode.NE;
  }
  return { mode, a, b: 0 };
}

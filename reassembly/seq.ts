/**
 * TCP sequence numbers: 32-bit values compared with wrap-around (RFC 793 section 3.3,
 * RFC 1982 serial number arithmetic). A branded number so a stream offset or a length can
 * never be passed where a sequence number is expected.
 */
export type Seq = number & { readonly __brand: 'Seq' };

/** Normalise any integer to a sequence number in [0, 2^32). */
export function seq(n: number): Seq {
  return (n >>> 0) as Seq;
}

/** Signed distance b -> a, i.e. a - b in (-2^31, 2^31]. */
export function seqDiff(a: Seq, b: Seq): number {
  return (a - b) | 0;
}

export function seqAdd(a: Seq, n: number): Seq {
  return ((a + n) >>> 0) as Seq;
}

export function seqLt(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLeq(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGeq(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) >= 0;
}

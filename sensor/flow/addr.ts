/** Address text for flow records (once per record, not per packet). */
export function formatAddr(w: Uint32Array, off: number, v4: boolean): string {
  if (v4) {
    const x = w[off + 3];
    return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  }
  // RFC 5952: lower case, leading zeros dropped, the longest run (>= 2) of zero groups as "::".
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[off + i] >>> 16, w[off + i] & 0xffff);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped and -compatible forms keep the dotted tail (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    const x = w[off + 3];
    return `::ffff:${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  }
  const hex = (a: number, b: number) => g.slice(a, b).map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return hex(0, bestStart) + '::' + hex(bestStart + bestLen, 8);
}

/** Big-endian reads on a Uint8Array. Inlined by TurboFan; measured faster than a DataView
 * created per batch because no view object is needed for the many small buffers we see. */
export function u16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}
export function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}
export function u16le(d: Uint8Array, o: number): number {
  return d[o] | (d[o + 1] << 8);
}
export function u32le(d: Uint8Array, o: number): number {
  return (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
}

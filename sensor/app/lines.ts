/**
 * Line assembly for the line-based app layers (FTP, SMTP): a line split across chunks is
 * carried in a bounded buffer (Suricata's 4096-byte line buffers); bytes past the bound are
 * dropped and the line is marked cut. No allocation per line: complete() describes the line
 * in fields (lineBuf[lineOff, lineEnd), CR before the LF removed) that stay valid until the
 * next call.
 */
export const LINE_LIMIT = 4096;

export class LineCarry {
  /** Bytes of an unfinished line carried over from the previous chunk. */
  readonly buf = new Uint8Array(LINE_LIMIT);
  len = 0;
  /** The carried line passed LINE_LIMIT: the rest of it is dropped. */
  cut = false;
  /** The last completed line: lineBuf[lineOff, lineEnd), whether it was cut, and its kept bytes + CR/LF ("raw" length). */
  lineBuf: Uint8Array = this.buf;
  lineOff = 0;
  lineEnd = 0;
  lineCut = false;
  lineRaw = 0;

  /** b[p, end) has no LF: keep it (up to the bound) for the next chunk. */
  carry(b: Uint8Array, p: number, end: number): void {
    const n = Math.min(end - p, LINE_LIMIT - this.len);
    if (n > 0) { this.buf.set(b.subarray(p, p + n), this.len); this.len += n; }
    if (n < end - p) this.cut = true;
  }

  /** The line that ends at the LF b[nl] (nl >= p): sets the line fields. */
  complete(b: Uint8Array, p: number, nl: number): void {
    if (this.len === 0) {
      let e = nl;
      if (e > p && b[e - 1] === 13) e--;
      this.lineBuf = b; this.lineOff = p; this.lineEnd = e; this.lineCut = false; this.lineRaw = nl + 1 - p;
      return;
    }
    const n = Math.min(nl - p, LINE_LIMIT - this.len);
    if (n > 0) { this.buf.set(b.subarray(p, p + n), this.len); this.len += n; }
    const cut = this.cut || n < nl - p;
    let e = this.len;
    if (e > 0 && this.buf[e - 1] === 13) e--;
    this.len = 0; this.cut = false;
    this.lineBuf = this.buf; this.lineOff = 0; this.lineEnd = e; this.lineCut = cut; this.lineRaw = e + 1 + (nl - p - n);
  }
}

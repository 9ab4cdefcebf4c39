/**
 * Per-rule payload verification in rule order, after the prefilter said the rule may match.
 * Follows Suricata's content inspection (src/detect-engine-content-inspection.c semantics,
 * re-implemented): absolute windows are [offset, offset+depth); relative windows start at
 * prev_end+distance and end at prev_end+distance+within; a content that matched but whose
 * relative successors failed is searched again from its match start + 1; a failed
 * independent (absolute) content ends the inspection. Works on data[start .. end) with all
 * offsets relative to start; no allocation (byte variables live in a preallocated array).
 */
import type { Base64DecodeMatch, ByteExtractMatch, ByteJumpMatch, ByteMathMatch, ByteTestMatch, ContentMatch, PayloadMatch } from '../types.js';
import { decodeBase64Into, BASE64_DECODE_MAX } from '../keywords/base64-decode.js';

const MAX_RECURSION = 3000; // Suricata's default detect recursion limit (3000)

/** Window length from which a case-sensitive content is searched with Buffer.indexOf. */
const NATIVE_FIND_MIN = 96;

export class PayloadInspector {
  /** byte_extract / byte_math values of the rule being inspected. */
  readonly vars = new Float64Array(64);
  private data: Uint8Array = new Uint8Array(0);
  private start = 0;
  private len = 0;
  private steps = 0;
  /** Output of readNumber (avoids returning objects). */
  private num = 0;
  /**
   * Raw stream inspection: the stream offset of the buffer's first byte. Absolute content
   * windows (offset/depth) count from the stream start, as Suricata's
   * DetectEngineContentInspection(stream_start_offset): a window that ended before the buffer
   * cannot match, one that straddles it is cut to the part inside. 0 for packets and buffers.
   */
  streamStart = 0;

  /** True when the whole payload match list matches the buffer. */
  inspect(sms: readonly PayloadMatch[], data: Uint8Array, start: number, len: number): boolean {
    this.data = data; this.start = start; this.len = len; this.steps = 0;
    if (sms.length === 0) return true;
    return this.run(sms, 0, 0) === 1;
  }

  /** 1 match, 0 no match (try other occurrences), -1 stop (no use retrying). */
  private run(sms: readonly PayloadMatch[], i: number, cursor: number): number {
    if (i >= sms.length) return 1;
    if (++this.steps > MAX_RECURSION) return -1;
    const sm = sms[i];
    switch (sm.t) {
      case 'content': return this.content(sms, i, sm, cursor);
      case 'pcre': {
        let from = sm.relative ? cursor : 0;
        for (;;) {
          if (from > this.len) return sm.negated ? this.run(sms, i + 1, cursor) : 0;
          const rc = sm.code.match(this.data, this.start + from, this.len - from);
          if (rc <= 0) return sm.negated ? this.run(sms, i + 1, cursor) : sm.relative ? 0 : -1;
          if (sm.negated) return 0;
          const end = from + sm.code.ovector[1];
          const r = this.run(sms, i + 1, end);
          if (r !== 0) return r;
          if (!nextIsRelative(sms, i)) return 0;
          // Retry after the start of this match, like Suricata's pcre recursion.
          const next = from + sm.code.ovector[0] + 1;
          if (next <= from) return 0;
          from = next;
        }
      }
      case 'isdataat': {
        const n = sm.nVar >= 0 ? this.vars[sm.nVar] : sm.n;
        // Suricata: relative fails when cursor + N > len; absolute matches when N < len.
        const ok = sm.relative ? cursor + n <= this.len : n < this.len;
        if (ok === sm.negated) return 0;
        return this.run(sms, i + 1, cursor);
      }
      case 'byte_test': return this.byteTest(sms, i, sm, cursor);
      case 'byte_jump': return this.byteJump(sms, i, sm, cursor);
      case 'byte_extract': return this.byteExtract(sms, i, sm, cursor);
      case 'byte_math': return this.byteMath(sms, i, sm, cursor);
      case 'base64_decode': return this.base64(sm, cursor);
    }
  }

  /** Decoded bytes of base64_decode (one buffer per inspector, Suricata's det_ctx->base64_decoded). */
  private b64 = new Uint8Array(0);

  /**
   * base64_decode + base64_data (detect-engine-content-inspection.c): a terminal match —
   * 1 when the base64_data list matches the decoded bytes (the rest of this list is not
   * inspected), else 0 so earlier contents can try their next occurrence.
   */
  private base64(m: Base64DecodeMatch, cursor: number): number {
    let from = m.relative ? cursor : 0;
    if (m.offset) { if (m.offset >= this.len - from) return 0; from += m.offset; }
    const n = Math.min(this.len - from, m.bytes);
    if (n <= 0 || m.data.length === 0) return 0;
    if (this.b64.length === 0) this.b64 = new Uint8Array(BASE64_DECODE_MAX + 3);
    const out = this.b64;
    const dl = decodeBase64Into(this.data, this.start + from, n, out);
    if (dl === 0) return 0;
    const d = this.data, s = this.start, l = this.len, ss = this.streamStart;
    this.data = out; this.start = 0; this.len = dl; this.streamStart = 0;
    const r = this.run(m.data, 0, 0);
    this.data = d; this.start = s; this.len = l; this.streamStart = ss;
    return r === 1 ? 1 : 0;
  }

  private content(sms: readonly PayloadMatch[], i: number, cd: ContentMatch, cursor: number): number {
    const relative = cd.hasDistance || cd.hasWithin;
    let offset = 0;
    let depth = this.len;
    if (relative) {
      const distance = cd.distanceVar >= 0 ? this.vars[cd.distanceVar] : cd.distance;
      offset = cursor;
      if (cd.hasDistance) offset = distance < 0 && -distance > offset ? 0 : offset + distance;
      if (cd.hasWithin) {
        const within = cd.withinVar >= 0 ? this.vars[cd.withinVar] : cd.within;
        const w = cursor + within + (cd.hasDistance ? distance : 0);
        if (depth > w) depth = w;
      }
    } else {
      offset = cd.offsetVar >= 0 ? this.vars[cd.offsetVar] : cd.offset;
      if (cd.hasDepth) {
        const d = cd.depthVar >= 0 ? this.vars[cd.depthVar] : cd.depth;
        depth = offset + d;
      }
      const ss = this.streamStart;
      if (ss > 0) {
        if (cd.hasDepth) depth -= ss;
        offset = offset > ss ? offset - ss : 0;
      }
    }
    if (depth > this.len) depth = this.len;
    let from = offset;
    for (;;) {
      if (from > depth || depth <= 0 || from < 0) return cd.negated ? this.run(sms, i + 1, cursor) : relative ? 0 : -1;
      const at = cd.endswith && depth < this.len ? -1 : this.find(cd, from, depth);
      if (at < 0) {
        if (cd.negated) return this.run(sms, i + 1, cursor);
        return relative ? 0 : -1;
      }
      const end = at + cd.bytes.length;
      if (cd.negated) {
        if (cd.endswith && end !== this.len) return this.run(sms, i + 1, cursor);
        return 0;
      }
      if (!cd.endswith || end === this.len) {
        const r = this.run(sms, i + 1, end);
        if (r !== 0) return r;
        if (!nextIsRelative(sms, i)) return -1;
      }
      from = at + 1;
    }
  }

  /** First start index of cd in [from, to) (relative to start), or -1. */
  private find(cd: ContentMatch, from: number, to: number): number {
    const d = this.data, base = this.start, pat = cd.nocase ? cd.lower : cd.bytes, n = pat.length;
    const last = to - n;
    const p0 = pat[0];
    if (cd.nocase) {
      for (let i = from; i <= last; i++) {
        let c = d[base + i];
        if (c >= 65 && c <= 90) c += 32;
        if (c !== p0) continue;
        let k = 1;
        for (; k < n; k++) {
          let x = d[base + i + k];
          if (x >= 65 && x <= 90) x += 32;
          if (x !== pat[k]) break;
        }
        if (k === n) return i;
      }
      return -1;
    }
    // Long windows: the native substring search of Buffer.indexOf (one view allocated) beats
    // the byte loop from ~100 bytes on; content verification was ~4 % of the ET Open profile.
    if (last - from >= NATIVE_FIND_MIN && n >= 2) {
      const v = Buffer.from(d.buffer, d.byteOffset + base + from, last - from + n);
      const at = v.indexOf(pat);
      return at < 0 ? -1 : from + at;
    }
    for (let i = from; i <= last; i++) {
      if (d[base + i] !== p0) continue;
      let k = 1;
      while (k < n && d[base + i + k] === pat[k]) k++;
      if (k === n) return i;
    }
    return -1;
  }

  /** Reads nbytes at pos (relative) into this.num; false if out of bounds or not a number. */
  private read(m: ByteTestMatch | ByteJumpMatch | ByteExtractMatch | ByteMathMatch, pos: number): boolean {
    if (pos < 0 || pos + m.nbytes > this.len) return false;
    const d = this.data, o = this.start + pos;
    let v = 0;
    // nbytes 0 with string (byte_test): the digits up to the end of the buffer (at most 23).
    const nb = m.nbytes === 0 && m.base !== 0 ? Math.min(23, this.len - pos) : m.nbytes;
    if (nb === 0) return false;
    if (m.base === 0) {
      if (m.endian === 'little') for (let k = m.nbytes - 1; k >= 0; k--) v = v * 256 + d[o + k];
      else for (let k = 0; k < m.nbytes; k++) v = v * 256 + d[o + k];
    } else {
      let digits = 0;
      for (let k = 0; k < nb; k++) {
        const c = d[o + k];
        let dv = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : 99;
        if (dv >= m.base) { if (digits === 0) return false; break; }
        v = v * m.base + dv;
        digits++;
      }
    }
    if (m.bitmask) {
      v = (v & m.bitmask) >>> 0;
      let mask = m.bitmask, shift = 0;
      while (mask && (mask & 1) === 0) { mask >>>= 1; shift++; }
      v = v / 2 ** shift;
    }
    this.num = v;
    return true;
  }

  private byteTest(sms: readonly PayloadMatch[], i: number, m: ByteTestMatch, cursor: number): number {
    const off = m.offsetVar >= 0 ? this.vars[m.offsetVar] : m.offset;
    if (!this.read(m, (m.relative ? cursor : 0) + off)) return 0;
    const v = this.num, x = m.valueVar >= 0 ? this.vars[m.valueVar] : m.value;
    let ok: boolean;
    switch (m.op) {
      case '<': ok = v < x; break;
      case '>': ok = v > x; break;
      case '=': ok = v === x; break;
      case '<=': ok = v <= x; break;
      case '>=': ok = v >= x; break;
      case '&': ok = v < 4294967296 && x < 4294967296 ? (v & x) !== 0 : (BigInt(v) & BigInt(x)) !== 0n; break;
      case '^': ok = v !== x; break;
    }
    if (ok === m.negated) return 0;
    return this.run(sms, i + 1, cursor);
  }

  private byteJump(sms: readonly PayloadMatch[], i: number, m: ByteJumpMatch, cursor: number): number {
    const off = m.offsetVar >= 0 ? this.vars[m.offsetVar] : m.offset;
    const pos = (m.relative ? cursor : 0) + off;
    let v = 0;
    if (m.nbytes > 0) {
      if (!this.read(m, pos)) return 0;
      v = this.num;
    }
    v *= m.multiplier;
    if (m.align && v % 4 !== 0) v += 4 - (v % 4);
    let next: number;
    if (m.fromEnd) next = this.len + v;
    else if (m.fromBeginning) next = v;
    else next = pos + m.nbytes + v;
    next += m.postOffset;
    // Suricata (redmine #4624, detect-bytejump-05): a jump before the buffer start lands on
    // the start; a jump past the end fails.
    if (next < 0) next = 0;
    if (next > this.len) return 0;
    return this.run(sms, i + 1, next);
  }

  private byteExtract(sms: readonly PayloadMatch[], i: number, m: ByteExtractMatch, cursor: number): number {
    const pos = (m.relative ? cursor : 0) + m.offset;
    if (!this.read(m, pos)) return 0;
    let v = this.num * m.multiplier;
    if (m.align && v % m.align !== 0) v += m.align - (v % m.align);
    this.vars[m.slot] = v;
    return this.run(sms, i + 1, pos + m.nbytes);
  }

  private byteMath(sms: readonly PayloadMatch[], i: number, m: ByteMathMatch, cursor: number): number {
    const off = m.offsetVar >= 0 ? this.vars[m.offsetVar] : m.offset;
    const pos = (m.relative ? cursor : 0) + off;
    if (!this.read(m, pos)) return 0;
    const r = m.rvalueVar >= 0 ? this.vars[m.rvalueVar] : m.rvalue;
    let v = this.num;
    switch (m.oper) {
      case '+': v += r; break;
      case '-': v -= r; break;
      case '*': v *= r; break;
      case '/': if (r === 0) return 0; v = Math.floor(v / r); break;
      case '<<': v = v * 2 ** r; break;
      case '>>': v = Math.floor(v / 2 ** r); break;
    }
    this.vars[m.slot] = v;
    return this.run(sms, i + 1, cursor);
  }
}

function nextIsRelative(sms: readonly PayloadMatch[], i: number): boolean {
  for (let j = i + 1; j < sms.length; j++) {
    const n = sms[j];
    switch (n.t) {
      case 'content': if (n.hasDistance || n.hasWithin) return true; if (!n.negated) return false; break;
      case 'pcre': return n.relative;
      case 'isdataat': if (n.relative) return true; break;
      case 'byte_test': case 'byte_jump': case 'byte_extract': case 'byte_math': case 'base64_decode': if (n.relative) return true; break;
    }
  }
  return false;
}

/**
 * pcapng files (draft-ietf-opsawg-pcapng): a sequence of blocks
 *   type u32 | total length u32 | body | total length u32 (again),
 * grouped in sections. Each Section Header Block (SHB) sets the byte order of its section
 * (byte-order magic 0x1A2B3C4D) and starts a fresh interface list. Interface Description
 * Blocks (IDB) give link type, snap length and the timestamp unit (if_tsresol) and offset
 * (if_tsoffset). Frames come in Enhanced Packet Blocks (EPB), Simple Packet Blocks (SPB:
 * interface 0, no timestamp) and the obsolete Packet Block (PB, type 2). Every other block
 * (NRB, ISB, DSB, custom, unknown) is skipped by its length.
 *
 * Interface numbering: `iface` is a running index over all IDBs of the file, in file order
 * (section 1's IDBs are 0..k-1, section 2's start at k), so two different interfaces never
 * share a number. Within a single-section file (nearly all files) it is the IDB index.
 * tshark 4.0's frame.interface_id restarts at 0 in each section (frame.section_number tells
 * them apart); the tests map between the two. Each file starts again at 0.
 *
 * SPB frames carry no timestamp: they get the timestamp of the last frame that had one in
 * this file (0 before any).
 */
import type { FrameBatch } from './source.js';
import { MAX_CAPLEN, Stop, type FormatParser } from './file-format.js';

export const enum BlockType {
  SHB = 0x0a0d0d0a,
  IDB = 0x00000001,
  PB = 0x00000002, // obsolete Packet Block
  SPB = 0x00000003,
  NRB = 0x00000004,
  ISB = 0x00000005,
  EPB = 0x00000006,
  DSB = 0x0000000a,
}

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

const enum IdbOption {
  END = 0,
  TSRESOL = 9,
  FCSLEN = 13,
  TSOFFSET = 14,
}

/** How an interface's timestamp units become microseconds. */
const enum TsMode {
  /** units coarser than or equal to 1 µs: us = ts * param */
  MUL = 0,
  /** 10^-n with n > 6: us = floor(ts / param), exact 64-bit long division */
  DIV10 = 1,
  /** 2^-n: us = (ts >> n) * 1e6 + floor(frac * 1e6 / 2^n) */
  POW2 = 2,
}

/** Interfaces a file may declare (iface is a Uint16 in FrameBatch). */
const MAX_INTERFACES = 65536;
const TWO32 = 4294967296;

/** True when the first 12 bytes are a pcapng Section Header Block with a valid byte-order magic. */
export function isPcapng(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  if (head[0] !== 0x0a || head[1] !== 0x0d || head[2] !== 0x0d || head[3] !== 0x0a) return false;
  const bom = ((head[8] << 24) | (head[9] << 16) | (head[10] << 8) | head[11]) >>> 0;
  return bom === BYTE_ORDER_MAGIC || bom === BYTE_ORDER_MAGIC_SWAPPED;
}

export class PcapngParser implements FormatParser {
  readonly format = 'pcapng';
  stop = Stop.FULL;
  need = 0;
  skip = 0;
  damageAt = 0;
  reason = '';
  fcsBytes = -1;
  frames = 0;
  capBytes = 0;
  wireBytes = 0;
  interfaces = 0;
  /** Byte order of the current section. */
  private le = true;
  private inSection = false;
  /** Global index of the current section's first IDB, and how many IDBs the section has. */
  private sectionBase = 0;
  private sectionIfaces = 0;
  private lastTsUs = 0;
  /** Per interface (global index), grown on demand (an IDB is not per packet). */
  private ifLinktype = new Uint16Array(16);
  private ifSnaplen = new Uint32Array(16);
  private ifMaxCaplen = new Uint32Array(16);
  private ifMode = new Uint8Array(16);
  private ifParam = new Float64Array(16);
  private ifOffsetUs = new Float64Array(16);
  private ifFcs = new Int8Array(16);

  /** @param maxBlock largest block the reader can hold in one chunk; larger ignorable blocks are skipped unread. */
  constructor(private readonly maxBlock: number) {}

  reset(): void {
    this.stop = Stop.FULL;
    this.need = 0;
    this.skip = 0;
    this.reason = '';
    this.fcsBytes = -1;
    this.frames = 0;
    this.capBytes = 0;
    this.wireBytes = 0;
    this.interfaces = 0;
    this.le = true;
    this.inSection = false;
    this.sectionBase = 0;
    this.sectionIfaces = 0;
    this.lastTsUs = 0;
  }

  /** Link type of interface `i` (global index), for tests and the CLI's summary. */
  linkTypeOf(i: number): number {
    return this.ifLinktype[i];
  }

  fill(buf: Uint8Array, view: DataView, pos: number, end: number, base: number, batch: FrameBatch): number {
    const cap = batch.offset.length;
    let n = batch.count;
    const first = n;
    let capBytes = 0;
    let wireBytes = 0;
    this.stop = Stop.FULL;
    while (n < cap) {
      const avail = end - pos;
      if (avail < 12) {
        this.needBytes(12);
        break;
      }
      const type = view.getUint32(pos, this.le);
      let le = this.le;
      if (type === BlockType.SHB) {
        const bom = view.getUint32(pos + 8, false);
        if (bom === BYTE_ORDER_MAGIC) le = false;
        else if (bom === BYTE_ORDER_MAGIC_SWAPPED) le = true;
        else {
          this.damage(pos, base, 'bad section byte-order magic');
          break;
        }
      } else if (!this.inSection) {
        this.damage(pos, base, 'block before the first section header');
        break;
      }
      const len = view.getUint32(pos + 4, le);
      if (len < 12 || (len & 3) !== 0) {
        this.damage(pos, base, 'bad block length ' + len);
        break;
      }
      if (len > avail) {
        const packet = type === BlockType.EPB || type === BlockType.SPB || type === BlockType.PB;
        if (len <= this.maxBlock) {
          this.needBytes(len);
          break;
        }
        if (packet || type === BlockType.SHB || type === BlockType.IDB) {
          this.damage(pos, base, 'absurd block length ' + len);
          break;
        }
        // An ignorable block larger than a chunk: skip it unread (its trailer is not checked).
        this.stop = Stop.SKIP;
        this.skip = len - avail;
        pos = end;
        break;
      }
      if (view.getUint32(pos + len - 4, le) !== len) {
        this.damage(pos, base, 'block trailer length ' + view.getUint32(pos + len - 4, le) + ' != ' + len);
        break;
      }
      if (type === BlockType.EPB || type === BlockType.PB) {
        // EPB: iface u32, ts hi, ts lo, caplen, origlen, data. PB: iface u16, drops u16, same after.
        if (len < 32) {
          this.damage(pos, base, 'packet block too short: ' + len);
          break;
        }
        const id = type === BlockType.EPB ? view.getUint32(pos + 8, le) : view.getUint16(pos + 8, le);
        if (id >= this.sectionIfaces) {
          this.damage(pos, base, 'packet for undeclared interface ' + id);
          break;
        }
        const g = this.sectionBase + id;
        const incl = view.getUint32(pos + 20, le);
        if (incl > this.ifMaxCaplen[g]) {
          this.damage(pos, base, incl > MAX_CAPLEN ? 'absurd caplen ' + incl : 'caplen ' + incl + ' > 2 * snaplen ' + this.ifSnaplen[g]);
          break;
        }
        if (incl > len - 32) {
          this.damage(pos, base, 'caplen ' + incl + ' exceeds block length ' + len);
          break;
        }
        const wire = view.getUint32(pos + 24, le);
        const ts = this.toUs(g, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le));
        this.lastTsUs = ts;
        batch.tsUs[n] = ts;
        batch.offset[n] = pos + 28;
        batch.caplen[n] = incl;
        batch.wirelen[n] = wire;
        batch.linktype[n] = this.ifLinktype[g];
        batch.iface[n] = g;
        capBytes += incl;
        wireBytes += wire;
        n++;
      } else if (type === BlockType.SPB) {
        if (len < 16) {
          this.damage(pos, base, 'simple packet block too short: ' + len);
          break;
        }
        if (this.sectionIfaces === 0) {
          this.damage(pos, base, 'simple packet block without an interface');
          break;
        }
        const g = this.sectionBase;
        const wire = view.getUint32(pos + 8, le);
        // Captured length is not stored: the original length, cut by the snap length and the block.
        let incl = len - 16;
        if (wire < incl) incl = wire;
        const snap = this.ifSnaplen[g];
        if (snap !== 0 && snap < incl) incl = snap;
        batch.tsUs[n] = this.lastTsUs;
        batch.offset[n] = pos + 12;
        batch.caplen[n] = incl;
        batch.wirelen[n] = wire;
        batch.linktype[n] = this.ifLinktype[g];
        batch.iface[n] = g;
        capBytes += incl;
        wireBytes += wire;
        n++;
      } else if (type === BlockType.SHB) {
        if (len < 28) {
          this.damage(pos, base, 'section header too short: ' + len);
          break;
        }
        const major = view.getUint16(pos + 12, le);
        if (major !== 1) {
          this.damage(pos, base, 'unsupported pcapng version ' + major);
          break;
        }
        this.le = le;
        this.inSection = true;
        this.sectionBase = this.interfaces;
        this.sectionIfaces = 0;
      } else if (type === BlockType.IDB) {
        if (len < 20) {
          this.damage(pos, base, 'interface description too short: ' + len);
          break;
        }
        if (!this.addInterface(buf, view, pos, len, base)) break;
      }
      pos += len;
    }
    batch.count = n;
    this.frames += n - first;
    this.capBytes += capBytes;
    this.wireBytes += wireBytes;
    return pos;
  }

  /** Parse an IDB at pos (whole block present). False (and DAMAGE) when it is malformed. */
  private addInterface(buf: Uint8Array, view: DataView, pos: number, len: number, base: number): boolean {
    const le = this.le;
    const g = this.interfaces;
    if (g >= MAX_INTERFACES) {
      this.damage(pos, base, 'more than ' + MAX_INTERFACES + ' interfaces');
      return false;
    }
    if (g >= this.ifLinktype.length) this.grow();
    const snap = view.getUint32(pos + 12, le);
    let mode = TsMode.MUL;
    let param = 1;
    let offsetUs = 0;
    let fcs = -1;
    let o = pos + 16;
    const optEnd = pos + len - 4;
    while (o + 4 <= optEnd) {
      const code = view.getUint16(o, le);
      const olen = view.getUint16(o + 2, le);
      if (code === IdbOption.END) break;
      const v = o + 4;
      if (v + olen > optEnd) {
        this.damage(pos, base, 'interface option ' + code + ' overruns the block');
        return false;
      }
      if (code === IdbOption.TSRESOL && olen >= 1) {
        const r = buf[v];
        const e = r & 0x7f;
        if ((r & 0x80) !== 0) {
          if (e > 63) {
            this.damage(pos, base, 'unsupported if_tsresol 2^-' + e);
            return false;
          }
          mode = TsMode.POW2;
          param = e;
        } else if (e > 19) {
          this.damage(pos, base, 'unsupported if_tsresol 10^-' + e);
          return false;
        } else if (e <= 6) {
          mode = TsMode.MUL;
          param = 10 ** (6 - e);
        } else {
          mode = TsMode.DIV10;
          param = 10 ** (e - 6);
        }
      } else if (code === IdbOption.TSOFFSET && olen >= 8) {
        // Signed 64-bit seconds, in the section's byte order.
        const hi = view.getInt32(le ? v + 4 : v, le);
        const lo = view.getUint32(le ? v : v + 4, le);
        offsetUs = (hi * TWO32 + lo) * 1e6;
      } else if (code === IdbOption.FCSLEN && olen >= 1) {
        fcs = buf[v];
      }
      o = v + ((olen + 3) & ~3);
    }
    this.ifLinktype[g] = view.getUint16(pos + 8, le);
    this.ifSnaplen[g] = snap;
    this.ifMaxCaplen[g] = snap > 0 && snap * 2 < MAX_CAPLEN ? snap * 2 : MAX_CAPLEN;
    this.ifMode[g] = mode;
    this.ifParam[g] = param;
    this.ifOffsetUs[g] = offsetUs;
    this.ifFcs[g] = fcs;
    if (g === 0) this.fcsBytes = fcs;
    this.interfaces = g + 1;
    this.sectionIfaces++;
    return true;
  }

  /** Timestamp (hi:lo units of interface g) in integer microseconds since the epoch. */
  private toUs(g: number, hi: number, lo: number): number {
    const p = this.ifParam[g];
    let us: number;
    switch (this.ifMode[g]) {
      case TsMode.MUL:
        us = (hi * TWO32 + lo) * p;
        break;
      case TsMode.DIV10: {
        // 64-bit / p in three steps (32 + 16 + 16 bits) so every intermediate stays below
        // 2^53: exact for p < 2^37 (if_tsresol up to 10^-17).
        const q1 = Math.floor(hi / p);
        let r = hi - q1 * p;
        let x = r * 65536 + (lo >>> 16);
        const q2 = Math.floor(x / p);
        r = x - q2 * p;
        x = r * 65536 + (lo & 0xffff);
        us = q1 * TWO32 + q2 * 65536 + Math.floor(x / p);
        break;
      }
      default: {
        // 2^-p seconds: whole seconds by shifting, the fraction scaled to µs. Exact for
        // p <= 33 (frac * 1e6 < 2^53); finer binary units lose the last microsecond digit.
        let sec: number;
        let frac: number;
        if (p < 32) {
          sec = hi * 2 ** (32 - p) + Math.floor(lo / 2 ** p);
          frac = lo % 2 ** p;
        } else {
          const d = 2 ** (p - 32);
          sec = Math.floor(hi / d);
          frac = (hi - sec * d) * TWO32 + lo;
        }
        us = sec * 1e6 + Math.floor((frac * 1e6) / 2 ** p);
      }
    }
    return us + this.ifOffsetUs[g];
  }

  private grow(): void {
    const n = this.ifLinktype.length * 2;
    const g16 = new Uint16Array(n);
    g16.set(this.ifLinktype);
    this.ifLinktype = g16;
    const s = new Uint32Array(n);
    s.set(this.ifSnaplen);
    this.ifSnaplen = s;
    const m = new Uint32Array(n);
    m.set(this.ifMaxCaplen);
    this.ifMaxCaplen = m;
    const md = new Uint8Array(n);
    md.set(this.ifMode);
    this.ifMode = md;
    const pa = new Float64Array(n);
    pa.set(this.ifParam);
    this.ifParam = pa;
    const of = new Float64Array(n);
    of.set(this.ifOffsetUs);
    this.ifOffsetUs = of;
    const f = new Int8Array(n);
    f.set(this.ifFcs);
    this.ifFcs = f;
  }

  private needBytes(bytes: number): void {
    this.stop = Stop.NEED;
    this.need = bytes;
  }

  private damage(pos: number, base: number, reason: string): void {
    this.stop = Stop.DAMAGE;
    this.damageAt = base + pos;
    this.reason = reason;
  }
}

/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte header + frame.
 * Magic a1b2c3d4 = microsecond timestamps, a1b23c4d = nanosecond; written in the writer's
 * byte order, so the swapped magics (d4c3b2a1, 4d3cb2a1 as read big-endian) mean "the other
 * order". The link-type field carries FCS information in its upper bits (libpcap
 * LT_FCS_LENGTH_PRESENT 0x04000000, LT_FCS_LENGTH bits 28-31); the link type is the low 16.
 *
 * Record header: ts_sec u32, ts_frac u32 (µs or ns), incl_len u32, orig_len u32.
 */
import type { FrameBatch } from './source.js';
import { MAX_CAPLEN, Stop, type FormatParser } from './file-format.js';

export const PCAP_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;

/** What the first four bytes say, read big-endian. */
export const enum PcapMagic {
  US_BE = 0xa1b2c3d4,
  US_LE = 0xd4c3b2a1,
  NS_BE = 0xa1b23c4d,
  NS_LE = 0x4d3cb2a1,
}

/** The classic-pcap magic of the first four bytes (read big-endian), or 0. */
export function pcapMagic(b0: number, b1: number, b2: number, b3: number): number {
  const m = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  return m === PcapMagic.US_BE || m === PcapMagic.US_LE || m === PcapMagic.NS_BE || m === PcapMagic.NS_LE ? m : 0;
}

export class PcapParser implements FormatParser {
  format = 'pcap';
  stop = Stop.FULL;
  need = 0;
  skip = 0;
  damageAt = 0;
  reason = '';
  fcsBytes = 0;
  frames = 0;
  capBytes = 0;
  wireBytes = 0;
  interfaces = 1;
  /** Link type, snap length, byte order and time unit of the current file (header seen?). */
  private header = false;
  private le = true;
  private nsec = false;
  private linktype = 0;
  private snaplen = 0;
  /** Largest incl_len accepted: 256 KiB, and twice the snap length when one is set. */
  private maxCaplen = MAX_CAPLEN;

  reset(): void {
    this.header = false;
    this.stop = Stop.FULL;
    this.need = 0;
    this.skip = 0;
    this.reason = '';
    this.frames = 0;
    this.capBytes = 0;
    this.wireBytes = 0;
    this.fcsBytes = 0;
  }

  /** Link type of the current file (after its header was parsed). */
  get linkType(): number {
    return this.linktype;
  }

  get snapLen(): number {
    return this.snaplen;
  }

  fill(buf: Uint8Array, view: DataView, pos: number, end: number, base: number, batch: FrameBatch): number {
    if (!this.header) {
      if (end - pos < PCAP_HEADER_BYTES) return this.needBytes(pos, PCAP_HEADER_BYTES);
      const magic = pcapMagic(buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3]);
      if (magic === 0) return this.damage(pos, base, 'not a pcap file header');
      this.le = magic === PcapMagic.US_LE || magic === PcapMagic.NS_LE;
      this.nsec = magic === PcapMagic.NS_LE || magic === PcapMagic.NS_BE;
      this.format = this.nsec ? 'pcap-ns' : 'pcap';
      this.snaplen = view.getUint32(pos + 16, this.le);
      const lt = view.getUint32(pos + 20, this.le);
      this.linktype = lt & 0xffff;
      // FCS bits: present flag 0x04000000, length in 16-bit words in bits 28-31.
      this.fcsBytes = (lt & 0x04000000) !== 0 ? ((lt >>> 28) & 0xf) * 2 : 0;
      this.maxCaplen = this.snaplen > 0 && this.snaplen * 2 < MAX_CAPLEN ? this.snaplen * 2 : MAX_CAPLEN;
      this.header = true;
      pos += PCAP_HEADER_BYTES;
    }
    const le = this.le;
    const nsec = this.nsec;
    const lt = this.linktype;
    const max = this.maxCaplen;
    const cap = batch.offset.length;
    const offset = batch.offset;
    const caplen = batch.caplen;
    const wirelen = batch.wirelen;
    const tsUs = batch.tsUs;
    const linktype = batch.linktype;
    const iface = batch.iface;
    let n = batch.count;
    let capBytes = 0;
    let wireBytes = 0;
    const first = n;
    this.stop = Stop.FULL;
    while (n < cap) {
      if (end - pos < PCAP_RECORD_HEADER_BYTES) {
        this.needBytes(pos, PCAP_RECORD_HEADER_BYTES);
        break;
      }
      const incl = view.getUint32(pos + 8, le);
      if (incl > max) {
        this.damage(pos, base, incl > MAX_CAPLEN ? 'absurd caplen ' + incl : 'caplen ' + incl + ' > 2 * snaplen ' + this.snaplen);
        break;
      }
      if (end - pos - PCAP_RECORD_HEADER_BYTES < incl) {
        this.needBytes(pos, PCAP_RECORD_HEADER_BYTES + incl);
        break;
      }
      const frac = view.getUint32(pos + 4, le);
      tsUs[n] = view.getUint32(pos, le) * 1e6 + (nsec ? Math.floor(frac / 1000) : frac);
      const wire = view.getUint32(pos + 12, le);
      offset[n] = pos + PCAP_RECORD_HEADER_BYTES;
      caplen[n] = incl;
      wirelen[n] = wire;
      linktype[n] = lt;
      iface[n] = 0;
      capBytes += incl;
      wireBytes += wire;
      pos += PCAP_RECORD_HEADER_BYTES + incl;
      n++;
    }
    batch.count = n;
    this.frames += n - first;
    this.capBytes += capBytes;
    this.wireBytes += wireBytes;
    return pos;
  }

  private needBytes(pos: number, bytes: number): number {
    this.stop = Stop.NEED;
    this.need = bytes;
    return pos;
  }

  private damage(pos: number, base: number, reason: string): number {
    this.stop = Stop.DAMAGE;
    this.damageAt = base + pos;
    this.reason = reason;
    return pos;
  }
}

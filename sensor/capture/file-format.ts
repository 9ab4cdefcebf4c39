/**
 * The contract between the file reader (file.ts: chunks, files, errors) and one capture file
 * format (pcap.ts, pcapng.ts: bytes -> frames).
 *
 * The reader hands a parser a chunk of the file: bytes [pos, end) of `buf`, where buf[0] is at
 * file offset `base`. The parser appends whole records to the batch (starting at batch.count)
 * until the batch is full, the next record is not complete in the chunk, or the bytes are
 * damaged, and returns the new position. Why it stopped is in `stop`. It never throws and
 * allocates nothing except the damage message (once per file, at most).
 */
import type { FrameBatch } from './source.js';

export const enum Stop {
  /** The batch is full; call again with the returned position. */
  FULL = 0,
  /**
   * The record at the returned position is incomplete in the chunk: `need` is how many bytes
   * from there the parser wants (the whole record when its length is known, else a header).
   */
  NEED = 1,
  /**
   * The parser consumed the chunk up to `end` inside an ignorable block larger than the rest of
   * the chunk; the reader skips `skip` more bytes of the file without reading them.
   */
  SKIP = 2,
  /** Damaged input at file offset `damageAt`: `reason` says what. Stop reading. */
  DAMAGE = 3,
}

/** Caplen above this is "absurd" (Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD, 256 KiB). */
export const MAX_CAPLEN = 262144;

export interface FormatParser {
  /** "pcap" | "pcap-ns" | "pcapng" (for stats and messages). */
  readonly format: string;
  stop: Stop;
  need: number;
  skip: number;
  damageAt: number;
  reason: string;
  /** FCS bytes at the end of each frame of the current link (pcap FCS bits, pcapng if_fcslen), or 0/-1 unknown. */
  fcsBytes: number;
  /** Frames and bytes parsed since reset() (the current file). */
  frames: number;
  capBytes: number;
  wireBytes: number;
  /** Interfaces seen in this file (pcapng IDBs over all sections; 1 for pcap). */
  interfaces: number;
  /** Start a new file. */
  reset(): void;
  fill(buf: Uint8Array, view: DataView, pos: number, end: number, base: number, batch: FrameBatch): number;
}

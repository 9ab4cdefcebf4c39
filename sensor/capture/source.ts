/**
 * The capture contract shared by every packet source: pcap/pcapng files, AF_PACKET v3,
 * AF_XDP, DPDK and netmap. Modelled on Snort's DAQ module API: receive a batch, look at
 * frame i in place, release the batch, read stats.
 *
 * Ownership: a FrameBatch and the memory behind `data` belong to the source. They stay
 * valid until `release(batch)` (or the next `next()` call for sources that say so); a
 * consumer that needs bytes past that point must copy them. Nothing here allocates per
 * frame: a batch is a set of parallel typed arrays filled in place and reused.
 */

/** Link-layer types (tcpdump.org LINKTYPE_* values; the ones Fennec decodes). */
export const enum LinkType {
  NULL = 0, // BSD loopback: 4-byte address family in host byte order of the writer
  ETHERNET = 1,
  RAW = 101, // raw IPv4 or IPv6, version nibble decides
  LOOP = 108, // OpenBSD loopback: 4-byte AF in network byte order
  LINUX_SLL = 113,
  IPV4 = 228,
  IPV6 = 229,
  LINUX_SLL2 = 276,
}

/** The highest number of frames a source puts in one batch. */
export const MAX_BATCH = 1024;

/**
 * A batch of frames. Frame i occupies data[offset[i] .. offset[i] + caplen[i]).
 * `count` frames are valid; the arrays have room for MAX_BATCH (or the source's own cap).
 */
export interface FrameBatch {
  count: number;
  /** Memory every frame of this batch lives in (a file chunk, a ring block, a mempool). */
  data: Uint8Array;
  offset: Uint32Array;
  /** Bytes captured (present in data). */
  caplen: Uint32Array;
  /** Bytes on the wire (>= caplen when the capture was truncated by a snap length). */
  wirelen: Uint32Array;
  /** Timestamp in microseconds since the Unix epoch (an integer; finer precision is truncated). */
  tsUs: Float64Array;
  /** LINKTYPE_* of each frame (pcapng interfaces may differ). */
  linktype: Uint16Array;
  /** Interface index (pcapng IDB number; capture queue for live sources). */
  iface: Uint16Array;
  /** 802.1Q VLAN id restored from out-of-band metadata (AF_PACKET strips it), or -1. */
  vlan: Int32Array;
}

export function newFrameBatch(cap: number = MAX_BATCH): FrameBatch {
  return {
    count: 0,
    data: new Uint8Array(0),
    offset: new Uint32Array(cap),
    caplen: new Uint32Array(cap),
    wirelen: new Uint32Array(cap),
    tsUs: new Float64Array(cap),
    linktype: new Uint16Array(cap),
    iface: new Uint16Array(cap),
    vlan: new Int32Array(cap).fill(-1),
  };
}

/** Counters every source reports. Live sources add their own (kernel drops, ring fill). */
export interface CaptureStats {
  packets: number;
  bytes: number;
  /** Frames the source knows were lost before Fennec saw them (kernel/NIC drops). */
  drops: number;
  [extra: string]: number;
}

export interface CaptureSource {
  /** Human-readable name, e.g. "pcap:/path/file.pcap" or "afpacket:eth0#0". */
  readonly name: string;
  /**
   * The next batch, or null at the end of the input (files) / when `timeoutMs` passes with
   * nothing received (live). A file source ignores the timeout.
   * A source that hits damaged input returns the frames before the damage, then reports the
   * problem through `error` and ends; it never throws out of next().
   */
  next(timeoutMs: number): FrameBatch | null;
  /** Give the batch's memory back to the source (ring block to the kernel, etc). */
  release(batch: FrameBatch): void;
  /** True when no more frames will come (file end, or close()). */
  readonly done: boolean;
  /** Set when the input was damaged or unreadable: what happened and where. */
  readonly error: string | null;
  stats(): CaptureStats;
  close(): void;
}

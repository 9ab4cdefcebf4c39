/**
 * TCP overlap policies: which bytes a target host keeps when a new segment overlaps data it
 * already queued out of order. A table of strategies, one predicate per policy, used by the
 * segment store; nothing else in the engine branches on the policy.
 *
 * The predicates follow Suricata's DoHandleDataOverlap (src/stream-tcp-list.c), which encodes
 * the per-OS results of Ptacek & Newsham (1998) and Novak & Sturges, "Target-Based TCP Stream
 * Reassembly" (2007). For a NEW segment [ns, ne) meeting QUEUED data of segment [es, ee):
 *   first    — queued data always wins (Suricata: any policy not listed below, e.g. vista).
 *   last     — new data always wins (OS_POLICY_LAST returns with the segment's bytes).
 *   bsd      — new wins only when it starts before the queued segment (ns < es); also HP-UX 10, IRIX.
 *   windows  — as bsd (Suricata lists WINDOWS and WINDOWS2K3 with BSD for ns < es).
 *   macos    — as bsd.
 *   vista    — first (Suricata has no branch for VISTA: queued data wins).
 *   linux    — ns < es, or same start and the new one ends after (ne > ee).
 *   old-linux— ns < es, or same start and it ends at or after (ne >= ee).
 *   solaris  — ne > ee, or ns <= es with ne == ee (Suricata: SOLARIS/HPUX11 take new data when
 *              it covers the queued segment's right edge; also when starting after it and
 *              ending beyond it).
 * Data a host already passed to its application (received in order) is never replaced by any
 * policy: overlaps with it are retransmissions, compared and counted, then dropped.
 */
import { parseCidr } from './defrag.js';

export const enum StreamPolicy {
  FIRST = 0,
  LAST = 1,
  BSD = 2,
  LINUX = 3,
  OLD_LINUX = 4,
  WINDOWS = 5,
  SOLARIS = 6,
  VISTA = 7,
  MACOS = 8,
}

export const STREAM_POLICY_NAMES = ['first', 'last', 'bsd', 'linux', 'old-linux', 'windows', 'solaris', 'vista', 'macos'] as const;
export type StreamPolicyName = (typeof STREAM_POLICY_NAMES)[number];

export function streamPolicyFromName(name: string): StreamPolicy {
  const i = (STREAM_POLICY_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`FENNEC_ERR_STREAM_POLICY: unknown stream policy "${name}" (one of ${STREAM_POLICY_NAMES.join(', ')})`);
  return i as StreamPolicy;
}

/** Arguments are signed offsets relative to a common origin (no wrap-around inside a call). */
export type OverlapRule = (ns: number, ne: number, es: number, ee: number) => boolean;

export const STREAM_POLICY_TABLE: readonly OverlapRule[] = [
  /* FIRST */ () => false,
  /* LAST */ () => true,
  /* BSD */ (ns, _ne, es) => ns < es,
  /* LINUX */ (ns, ne, es, ee) => ns < es || (ns === es && ne > ee),
  /* OLD_LINUX */ (ns, ne, es, ee) => ns < es || (ns === es && ne >= ee),
  /* WINDOWS */ (ns, _ne, es) => ns < es,
  /* SOLARIS */ (ns, ne, es, ee) => ne > ee || (ns <= es && ne === ee),
  /* VISTA */ () => false,
  /* MACOS */ (ns, _ne, es) => ns < es,
];

export interface HostPolicy {
  cidr: string;
  policy: StreamPolicyName;
}

/** Destination-address policy lookup (longest prefix first). Config time builds it; lookups don't allocate. */
export class PolicyTable {
  private readonly v4: Array<{ net: number; mask: number; policy: StreamPolicy }> = [];
  private readonly v6: Array<{ words: Uint32Array; bits: number; policy: StreamPolicy }> = [];
  constructor(readonly defaultPolicy: StreamPolicy, hosts: HostPolicy[] = []) {
    for (const h of hosts) {
      const p = streamPolicyFromName(h.policy);
      const c = parseCidr(h.cidr, 0);
      if (c.v6) this.v6.push({ words: c.words, bits: c.bits, policy: p });
      else {
        const mask = c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) >>> 0;
        this.v4.push({ net: (c.words[0]! & mask) >>> 0, mask, policy: p });
      }
    }
    this.v4.sort((a, b) => b.mask - a.mask);
    this.v6.sort((a, b) => b.bits - a.bits);
  }

  /** Policy for an IPv4 destination given as a 32-bit number. */
  forV4(dst: number): StreamPolicy {
    for (let i = 0; i < this.v4.length; i++) {
      const e = this.v4[i]!;
      if (((dst & e.mask) >>> 0) === e.net) return e.policy;
    }
    return this.defaultPolicy;
  }

  /** Policy for an IPv6 destination: 16 bytes at buf[off..]. */
  forV6(buf: Uint8Array, off: number): StreamPolicy {
    for (let i = 0; i < this.v6.length; i++) {
      const e = this.v6[i]!;
      let bits = e.bits;
      let ok = true;
      for (let w = 0; w < 4 && bits > 0; w++, bits -= 32) {
        const o = off + 4 * w;
        const x = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
        const m = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
        if (((x & m) >>> 0) !== ((e.words[w]! & m) >>> 0)) {
          ok = false;
          break;
        }
      }
      if (ok) return e.policy;
    }
    return this.defaultPolicy;
  }
}

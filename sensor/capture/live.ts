/**
 * The one entry point the CLI uses for live capture: `openLiveSources(opts)` returns one
 * CaptureSource per worker for the chosen backend, then (optionally) drops root. Every
 * backend failure is a NativeUnavailableError (native/unavailable.ts) saying what is
 * missing and what to install or do.
 *
 *   fennec run --interface IF [--capture afpacket|afxdp|dpdk|netmap] [--workers N]
 *              [--dpdk-args '...'] [--bpf EXPR] [--user NAME]
 */
import { NativeUnavailableError } from '../../native/unavailable.js';
import { openAfPacket, type AfPacketOptions, type FanoutMode } from './afpacket.js';
import { openAfXdp, type AfXdpOptions } from './afxdp.js';
import { openDpdk, splitArgs, type DpdkOptions } from './dpdk.js';
import { openNetmap, type NetmapOptions } from './netmap.js';
import { dropPrivileges } from './privileges.js';
import type { CaptureSource } from './source.js';

export type CaptureMethod = 'afpacket' | 'afxdp' | 'dpdk' | 'netmap';

export interface LiveOptions {
  /** Interface name (afpacket/afxdp/netmap), or the DPDK port name/id (dpdk; default port 0). */
  iface: string;
  capture?: CaptureMethod;
  /** Capture queues = workers. Default 1. */
  workers?: number;
  /**
   * Open only this worker's source (afpacket, afxdp), for a worker thread that opens its own
   * queue: a koffi view cannot be handed to another thread. afpacket then needs `fanoutId`
   * (the same in every thread). Without it, every queue is opened here.
   */
  queue?: number;
  fanoutId?: number;
  /** pcap-filter(7) expression (afpacket only; other backends reject it rather than ignore it). */
  bpf?: string;
  /** Drop to this user after the rings are open. */
  user?: string;
  /** --dpdk-args, split on blanks (quotes honoured). */
  dpdkArgs?: string;
  fanout?: FanoutMode;
  afpacket?: Partial<AfPacketOptions>;
  afxdp?: Partial<AfXdpOptions>;
  dpdk?: Partial<DpdkOptions>;
  netmap?: Partial<NetmapOptions>;
}

export function openLiveSources(opts: LiveOptions): CaptureSource[] {
  const method = opts.capture ?? 'afpacket';
  const workers = Math.max(1, opts.workers ?? 1);
  if (opts.bpf && method !== 'afpacket') {
    throw new NativeUnavailableError(`--bpf with --capture ${method}`, 'only the afpacket backend attaches BPF filters', 'drop --bpf or use --capture afpacket', 'config');
  }
  let sources: CaptureSource[];
  switch (method) {
    case 'afpacket':
      // Inline VLAN by default: frames equal the wire, so flow bytes equal offline reading.
      sources = openAfPacket({ vlan: 'inline', ...opts.afpacket, iface: opts.iface, workers, fanout: opts.fanout ?? 'hash', bpf: opts.bpf,
        queue: opts.queue, fanoutId: opts.fanoutId ?? opts.afpacket?.fanoutId });
      break;
    case 'afxdp':
      sources = openAfXdp({ ...opts.afxdp, iface: opts.iface, workers, queue: opts.queue });
      break;
    case 'dpdk': {
      if (opts.queue !== undefined) throw new NativeUnavailableError('DPDK', 'the EAL and port are set up once per process; open all queues in one thread and read them from workers through the shim', 'omit queue', 'config');
      const args = opts.dpdkArgs !== undefined ? splitArgs(opts.dpdkArgs) : opts.dpdk?.args ?? [];
      const port = opts.iface === '' ? undefined : /^\d+$/.test(opts.iface) ? Number(opts.iface) : opts.iface;
      sources = openDpdk({ ...opts.dpdk, args, port, workers });
      break;
    }
    case 'netmap':
      if (opts.queue !== undefined) throw new NativeUnavailableError('netmap', 'per-thread queue opening is not implemented for netmap', 'open all queues in one thread', 'config');
      sources = openNetmap({ ...opts.netmap, iface: opts.iface, workers });
      break;
    default:
      throw new NativeUnavailableError(`--capture ${String(method)}`, 'unknown capture method', 'use afpacket, afxdp, dpdk or netmap', 'config');
  }
  if (opts.user) {
    try {
      dropPrivileges(opts.user);
    } catch (e) {
      for (const s of sources) s.close();
      throw e;
    }
  }
  return sources;
}

/**
 * AF_PACKET TPACKET_V3 capture: one socket per worker, all in one PACKET_FANOUT group, each
 * with its own mmapped block ring read in place.
 *
 * Ring layout (linux/if_packet.h): block_nr blocks of block_size bytes. A block starts with
 * struct tpacket_block_desc; h1.block_status has TP_STATUS_USER when the kernel hands the
 * block to us, num_pkts frames follow from offset_to_first_pkt, each a struct tpacket3_hdr
 * chained by tp_next_offset, frame bytes at hdr + tp_mac. We return a block by writing
 * TP_STATUS_KERNEL into block_status. Blocks go round in order, so one cursor suffices.
 *
 * Hot path: next() reads block_status from the mmapped view (no syscall while blocks are
 * ready); only an empty ring costs one poll(2). Frames are offsets into one Uint8Array over
 * the whole ring (one koffi.view at open), so a batch never copies or allocates. A block
 * with more than MAX_BATCH frames is handed out as several batches; the block goes back to
 * the kernel when the batch holding its last frame is released.
 */
import {
  bind, close, getsockopt, if_nametoindex, lastError, errno, mmap, munmap, poll, setsockopt, socket, view,
  MAP_SHARED, PROT_READ, PROT_WRITE, EPERM, EACCES, type Pointer,
} from '../../native/libc.js';
import { withCompiledFilter } from '../../native/libpcap.js';
import { NativeUnavailableError } from '../../native/unavailable.js';
import { LinkType, MAX_BATCH, newFrameBatch, type CaptureSource, type CaptureStats, type FrameBatch } from './source.js';
import { readFileSync } from 'node:fs';

// linux/socket.h, linux/if_packet.h, linux/if_ether.h
const AF_PACKET = 17, SOCK_RAW = 3, SOL_SOCKET = 1, SO_ATTACH_FILTER = 26, SOL_PACKET = 263;
const PACKET_ADD_MEMBERSHIP = 1, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10;
const PACKET_RESERVE = 12, PACKET_FANOUT = 18, PACKET_IGNORE_OUTGOING = 23;
const PACKET_MR_PROMISC = 1, TPACKET_V3 = 2, ETH_P_ALL_BE = 0x0300;
const TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_VLAN_VALID = 1 << 4, TP_STATUS_VLAN_TPID_VALID = 1 << 6;
const POLLIN = 0x1;
export const FANOUT_MODES = { hash: 0, lb: 1, cpu: 2, qm: 5 } as const;
const PACKET_FANOUT_FLAG_DEFRAG = 0x8000;

// struct tpacket_block_desc / tpacket_hdr_v1 offsets (bytes)
const BD_STATUS = 8, BD_NUM_PKTS = 12, BD_FIRST = 16;
// struct tpacket3_hdr offsets (bytes)
const H_NEXT = 0, H_SEC = 4, H_NSEC = 8, H_SNAPLEN = 12, H_LEN = 16, H_STATUS = 20, H_MAC = 24, H_VLAN_TCI = 32, H_VLAN_TPID = 36;

export type FanoutMode = keyof typeof FANOUT_MODES;

export interface AfPacketOptions {
  iface: string;
  /** Sockets in the fanout group (one per worker). */
  workers: number;
  /** Fanout mode; the kernel's hash mode is symmetric (both directions -> same socket). */
  fanout?: FanoutMode;
  /** Fanout group id (16 bits); default derived from the pid so two sensors never share. */
  fanoutId?: number;
  /** Let the kernel defragment IPv4 before hashing (PACKET_FANOUT_FLAG_DEFRAG): the worker then sees reassembled datagrams, not fragments. Off by default so frames equal the wire. */
  fanoutDefrag?: boolean;
  /** Bytes per ring block (power of two, multiple of the page size). Default 1 MiB. */
  blockSize?: number;
  /** Blocks per ring. Default 64 (64 MiB per worker). */
  blockCount?: number;
  /** tp_frame_size: the kernel's sanity unit; frames in V3 are variable-length. Default 2048. */
  frameSize?: number;
  /** Block retire timeout: a partly filled block is handed over after this many ms. Default 10. */
  retireTimeoutMs?: number;
  promisc?: boolean;
  /** pcap-filter(7) expression compiled with libpcap and attached with SO_ATTACH_FILTER. */
  bpf?: string;
  /**
   * 'metadata' (default): the kernel strips an outer 802.1Q tag; its id goes to batch.vlan[i]
   * and caplen/wirelen are the stripped frame's. 'inline': the tag is written back into the
   * frame in place (PACKET_RESERVE 4, 12-byte shift), so frames equal the wire and vlan[i]=-1.
   */
  vlan?: 'metadata' | 'inline';
  /** PACKET_IGNORE_OUTGOING: skip frames this host sends (default false: a mirror port has none). */
  ignoreOutgoing?: boolean;
  /**
   * Open only this queue's socket (for a worker thread opening its own; koffi views cannot
   * move between threads). It joins the fanout group `fanoutId` when workers > 1, so every
   * thread must pass the same fanoutId.
   */
  queue?: number;
}

function fail(what: string, iface: string): never {
  const e = errno();
  if (e === EPERM || e === EACCES) {
    throw new NativeUnavailableError(`AF_PACKET on ${iface}`, `${what}: ${lastError()}`,
      'run as root or grant CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin+ep $(which node))', 'permission');
  }
  throw new NativeUnavailableError(`AF_PACKET on ${iface}`, `${what}: ${lastError()}`, 'check the kernel supports TPACKET_V3 and the ring options', 'kernel');
}

/** LINKTYPE_* for an interface from its ARPHRD type. */
export function ifaceLinkType(iface: string): number {
  let t = 1;
  try {
    t = Number(readFileSync(`/sys/class/net/${iface}/type`, 'utf8').trim());
  } catch { /* keep Ethernet */ }
  // ARPHRD_NONE (tun) and ARPHRD_RAWIP carry bare IP; loopback and Ethernet carry Ethernet.
  return t === 65534 || t === 519 ? LinkType.RAW : LinkType.ETHERNET;
}

export function requireInterface(iface: string, backend: string): number {
  const idx = if_nametoindex(iface);
  if (idx === 0) {
    throw new NativeUnavailableError(`${backend} on ${iface}`, `no interface named '${iface}' in this network namespace`,
      'check the name with `ip link show`', 'interface');
  }
  return idx;
}

export class AfPacketSource implements CaptureSource {
  readonly name: string;
  error: string | null = null;
  done = false;

  private fd: number;
  private readonly mem: Pointer;
  private readonly memLen: number;
  private readonly ring: Uint8Array;
  private readonly u32: Uint32Array;
  private readonly u16: Uint16Array;
  private readonly blockSize: number;
  private readonly blockCount: number;
  private readonly linktype: number;
  private readonly inlineVlan: boolean;
  private readonly queue: number;
  private readonly batch: FrameBatch;
  private readonly pfd = new Int32Array(2);
  private readonly statBuf = new Uint32Array(3);
  private readonly statLen = new Uint32Array(1);

  private cur = 0; // block being read
  private inBlock = false; // cur is ours (TP_STATUS_USER seen, not returned yet)
  private left = 0; // frames of cur not yet handed out
  private pkt = 0; // byte offset of the next tpacket3_hdr
  private pending = false; // a batch is out and not released

  private packets = 0;
  private bytes = 0;
  private kernelPackets = 0;
  private drops = 0;
  private freezes = 0;
  private blocks = 0;

  constructor(opts: AfPacketOptions, queue: number, fanoutArg: number) {
    const iface = opts.iface;
    const ifindex = requireInterface(iface, 'AF_PACKET');
    this.name = `afpacket:${iface}#${queue}`;
    this.queue = queue;
    this.blockSize = opts.blockSize ?? 1 << 20;
    this.blockCount = opts.blockCount ?? 64;
    const frameSize = opts.frameSize ?? 2048;
    this.inlineVlan = opts.vlan === 'inline';
    this.linktype = ifaceLinkType(iface);
    if (this.blockSize % 4096 !== 0 || this.blockSize % frameSize !== 0 || frameSize % 16 !== 0) {
      throw new NativeUnavailableError(`AF_PACKET on ${iface}`, `block size ${this.blockSize} must be a multiple of the page size and of frame size ${frameSize} (itself a multiple of 16)`, 'fix the ring options', 'config');
    }

    const fd = socket(AF_PACKET, SOCK_RAW, 0); // protocol 0: nothing arrives before bind()
    if (fd < 0) fail('socket(AF_PACKET)', iface);
    this.fd = fd;
    try {
      const i32 = new Int32Array(1);
      i32[0] = TPACKET_V3;
      if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, new Uint8Array(i32.buffer), 4) < 0) fail('PACKET_VERSION V3', iface);
      if (this.inlineVlan) {
        i32[0] = 4; // room for the 802.1Q tag in front of the MAC header
        if (setsockopt(fd, SOL_PACKET, PACKET_RESERVE, new Uint8Array(i32.buffer), 4) < 0) fail('PACKET_RESERVE', iface);
      }
      if (opts.ignoreOutgoing) {
        i32[0] = 1;
        if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, new Uint8Array(i32.buffer), 4) < 0) fail('PACKET_IGNORE_OUTGOING', iface);
      }
      const req = new Uint32Array(7); // struct tpacket_req3
      req[0] = this.blockSize;
      req[1] = this.blockCount;
      req[2] = frameSize;
      req[3] = (this.blockSize / frameSize) * this.blockCount;
      req[4] = opts.retireTimeoutMs ?? 10;
      req[5] = 0; // tp_sizeof_priv
      req[6] = 0; // tp_feature_req_word
      if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, 28) < 0) fail(`PACKET_RX_RING ${this.blockCount}x${this.blockSize}`, iface);
      this.memLen = this.blockSize * this.blockCount;
      const mem = mmap(this.memLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (mem === null) fail(`mmap ${this.memLen} bytes`, iface);
      this.mem = mem;
      const ab = view(mem, this.memLen);
      this.ring = new Uint8Array(ab);
      this.u32 = new Uint32Array(ab);
      this.u16 = new Uint16Array(ab);

      if (opts.bpf) {
        withCompiledFilter(opts.bpf, this.linktype, 262144, (fprog) => {
          if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16) < 0) fail(`SO_ATTACH_FILTER '${opts.bpf}'`, iface);
        });
      }
      const sll = new Uint8Array(20); // struct sockaddr_ll
      const sv = new DataView(sll.buffer);
      sv.setUint16(0, AF_PACKET, true);
      sv.setUint16(2, ETH_P_ALL_BE, true);
      sv.setInt32(4, ifindex, true);
      if (bind(fd, sll, 20) < 0) fail('bind', iface);
      if (opts.promisc ?? true) {
        const mr = new Uint8Array(16); // struct packet_mreq
        const mv = new DataView(mr.buffer);
        mv.setInt32(0, ifindex, true);
        mv.setUint16(4, PACKET_MR_PROMISC, true);
        if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mr, 16) < 0) fail('PACKET_ADD_MEMBERSHIP promisc', iface);
      }
      if (fanoutArg >= 0) {
        const fa = new Uint32Array(1);
        fa[0] = fanoutArg;
        if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, fa, 4) < 0) fail(`PACKET_FANOUT 0x${fanoutArg.toString(16)}`, iface);
      }
    } catch (e) {
      this.closeFd();
      throw e;
    }
    this.pfd[0] = fd;
    this.pfd[1] = POLLIN; // events (short) | revents (short) << 16
    this.batch = newFrameBatch(MAX_BATCH);
    this.batch.data = this.ring;
    this.batch.linktype.fill(this.linktype);
    this.batch.iface.fill(queue);
  }

  next(timeoutMs: number): FrameBatch | null {
    if (this.done) return null;
    if (this.pending) this.release(this.batch);
    const u32 = this.u32;
    if (!this.inBlock) {
      const base = this.cur * this.blockSize;
      if ((u32[(base + BD_STATUS) >> 2] & TP_STATUS_USER) === 0) {
        this.pfd[1] = POLLIN;
        poll(this.pfd, 1, timeoutMs);
        if ((u32[(base + BD_STATUS) >> 2] & TP_STATUS_USER) === 0) return null;
      }
      this.inBlock = true;
      this.blocks++;
      this.left = u32[(base + BD_NUM_PKTS) >> 2];
      this.pkt = base + u32[(base + BD_FIRST) >> 2];
      if (this.left === 0) {
        this.returnBlock();
        return null;
      }
    }
    const b = this.batch;
    const u16 = this.u16;
    const n = this.left < MAX_BATCH ? this.left : MAX_BATCH;
    let h = this.pkt;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const w = h >> 2;
      const snap = u32[w + (H_SNAPLEN >> 2)];
      const len = u32[w + (H_LEN >> 2)];
      const status = u32[w + (H_STATUS >> 2)];
      let off = h + u16[(h + H_MAC) >> 1];
      b.tsUs[i] = u32[w + (H_SEC >> 2)] * 1e6 + Math.floor(u32[w + (H_NSEC >> 2)] / 1000);
      if ((status & TP_STATUS_VLAN_VALID) !== 0) {
        const tci = u32[w + (H_VLAN_TCI >> 2)];
        if (this.inlineVlan) {
          // Put the tag back where it was on the wire: move the two MAC addresses 4 bytes
          // down into the PACKET_RESERVE headroom and write TPID + TCI after them.
          const tpid = (status & TP_STATUS_VLAN_TPID_VALID) !== 0 ? u16[(h + H_VLAN_TPID) >> 1] : 0x8100;
          const r = this.ring;
          r.copyWithin(off - 4, off, off + 12);
          off -= 4;
          r[off + 12] = tpid >> 8;
          r[off + 13] = tpid & 0xff;
          r[off + 14] = (tci >> 8) & 0xff;
          r[off + 15] = tci & 0xff;
          b.caplen[i] = snap + 4;
          b.wirelen[i] = len + 4;
          b.vlan[i] = -1;
        } else {
          b.caplen[i] = snap;
          b.wirelen[i] = len;
          b.vlan[i] = tci & 0xfff;
        }
      } else {
        b.caplen[i] = snap;
        b.wirelen[i] = len;
        b.vlan[i] = -1;
      }
      b.offset[i] = off;
      bytes += b.wirelen[i];
      h += u32[w + (H_NEXT >> 2)];
    }
    this.pkt = h;
    this.left -= n;
    this.packets += n;
    this.bytes += bytes;
    b.count = n;
    this.pending = true;
    return b;
  }

  release(_batch: FrameBatch): void {
    if (!this.pending) return;
    this.pending = false;
    this.batch.count = 0;
    if (this.inBlock && this.left === 0) this.returnBlock();
  }

  private returnBlock(): void {
    this.u32[(this.cur * this.blockSize + BD_STATUS) >> 2] = TP_STATUS_KERNEL;
    this.inBlock = false;
    this.cur = this.cur + 1 === this.blockCount ? 0 : this.cur + 1;
  }

  /** Blocks currently owned by user space (filled, not yet returned) / block count. */
  private ringFill(): number {
    let full = 0;
    for (let i = 0; i < this.blockCount; i++) if ((this.u32[(i * this.blockSize + BD_STATUS) >> 2] & TP_STATUS_USER) !== 0) full++;
    return full / this.blockCount;
  }

  stats(): CaptureStats {
    if (this.fd >= 0) {
      // PACKET_STATISTICS returns counts since the previous call and resets them.
      this.statLen[0] = 12;
      if (getsockopt(this.fd, SOL_PACKET, PACKET_STATISTICS, this.statBuf, this.statLen) === 0) {
        this.kernelPackets += this.statBuf[0];
        this.drops += this.statBuf[1];
        this.freezes += this.statBuf[2];
      }
    }
    return {
      packets: this.packets,
      bytes: this.bytes,
      drops: this.drops,
      kernel_packets: this.kernelPackets,
      freeze_count: this.freezes,
      ring_fill: this.fd >= 0 ? this.ringFill() : 0,
      blocks: this.blocks,
      queue: this.queue,
    };
  }

  private closeFd(): void {
    if (this.fd >= 0) close(this.fd);
    this.fd = -1;
  }

  close(): void {
    if (this.done) return;
    this.stats(); // keep the final kernel counters
    this.done = true;
    munmap(this.mem, this.memLen);
    this.closeFd();
  }
}

let fanoutSeq = 0;

/** Open `workers` sockets on one interface, in one fanout group when workers > 1. */
export function openAfPacket(opts: AfPacketOptions): AfPacketSource[] {
  const workers = Math.max(1, opts.workers | 0);
  const mode = FANOUT_MODES[opts.fanout ?? 'hash'];
  if (mode === undefined) {
    throw new NativeUnavailableError('AF_PACKET fanout', `unknown mode '${opts.fanout}'`, `use one of ${Object.keys(FANOUT_MODES).join(', ')}`, 'config');
  }
  const id = (opts.fanoutId ?? ((process.pid * 31 + fanoutSeq++) & 0xffff)) & 0xffff;
  const flags = opts.fanoutDefrag ? PACKET_FANOUT_FLAG_DEFRAG : 0;
  const arg = workers > 1 ? (id | ((mode | flags) << 16)) >>> 0 : -1;
  if (opts.queue !== undefined && workers > 1 && opts.fanoutId === undefined) {
    throw new NativeUnavailableError('AF_PACKET fanout', 'a per-thread queue needs an explicit fanoutId shared by every worker', 'pass fanoutId', 'config');
  }
  const out: AfPacketSource[] = [];
  try {
    if (opts.queue !== undefined) out.push(new AfPacketSource(opts, opts.queue, arg));
    else for (let q = 0; q < workers; q++) out.push(new AfPacketSource(opts, q, arg));
  } catch (e) {
    for (const s of out) s.close();
    throw e;
  }
  return out;
}

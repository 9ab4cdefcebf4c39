/** Test helpers: a consumer that records what the engine delivers, and a segment driver. */
import type { StreamConsumer } from '../../reassembly/tcp.js';
import { TcpReassembler, type TcpReassemblyConfig } from '../../reassembly/tcp.js';

export interface DirOut {
  chunks: Buffer[];
  /** [streamOffset, len] of every gap. */
  gaps: Array<[number, number]>;
  /** Stream offsets must be contiguous: next expected offset. */
  next: number;
  closed: number;
  errors: string[];
}

export class Collector implements StreamConsumer {
  readonly dirs = new Map<string, DirOut>();
  get(flow: number, toServer: boolean): DirOut {
    const k = `${flow}:${toServer ? 'c2s' : 's2c'}`;
    let d = this.dirs.get(k);
    if (!d) {
      d = { chunks: [], gaps: [], next: 0, closed: 0, errors: [] };
      this.dirs.set(k, d);
    }
    return d;
  }
  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number, so: number): void {
    const d = this.get(flow, toServer);
    if (so !== d.next) d.errors.push(`data at ${so}, expected ${d.next}`);
    if (d.closed) d.errors.push('data after close');
    d.chunks.push(Buffer.from(bytes.subarray(off, off + len)));
    d.next = so + len;
  }
  onGap(flow: number, toServer: boolean, so: number, len: number): void {
    const d = this.get(flow, toServer);
    if (so !== d.next) d.errors.push(`gap at ${so}, expected ${d.next}`);
    d.gaps.push([so, len]);
    d.chunks.push(Buffer.alloc(len, 0));
    d.next = so + len;
  }
  onClose(flow: number, toServer: boolean): void {
    this.get(flow, toServer).closed++;
  }
  bytes(flow: number, toServer: boolean): Buffer {
    return Buffer.concat(this.get(flow, toServer).chunks);
  }
}

export const FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;

/** Drives one session of a reassembler: absolute sequence numbers per side. */
export class Session {
  constructor(readonly tcp: TcpReassembler, readonly flow: number, public cIsn: number, public sIsn: number) {}
  ts = 1_000_000;
  cli(flags: number, seqOff: number, payload: Uint8Array = new Uint8Array(0), ackOff = -1, win = 65535, wscale = -1): number {
    const ack = ackOff < 0 ? 0 : (this.sIsn + 1 + ackOff) >>> 0;
    return this.tcp.onPacket(this.flow, true, (this.cIsn + 1 + seqOff) >>> 0, ack, flags, win, wscale, this.ts++, payload, 0, payload.length);
  }
  srv(flags: number, seqOff: number, payload: Uint8Array = new Uint8Array(0), ackOff = -1, win = 65535, wscale = -1): number {
    const ack = ackOff < 0 ? 0 : (this.cIsn + 1 + ackOff) >>> 0;
    return this.tcp.onPacket(this.flow, false, (this.sIsn + 1 + seqOff) >>> 0, ack, flags, win, wscale, this.ts++, payload, 0, payload.length);
  }
  /** SYN, SYN/ACK, ACK. */
  handshake(wsC = -1, wsS = -1): void {
    this.tcp.onPacket(this.flow, true, this.cIsn >>> 0, 0, SYN, 65535, wsC, this.ts++, new Uint8Array(0), 0, 0);
    this.tcp.onPacket(this.flow, false, this.sIsn >>> 0, (this.cIsn + 1) >>> 0, SYN | ACK, 65535, wsS, this.ts++, new Uint8Array(0), 0, 0);
    this.cli(ACK, 0, undefined, 0);
  }
}

export function newTcp(cfg: Partial<TcpReassemblyConfig> = {}, capacity = 16): { tcp: TcpReassembler; out: Collector } {
  const out = new Collector();
  const tcp = new TcpReassembler({ capacity, ...cfg }, out);
  return { tcp, out };
}

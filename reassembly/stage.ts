/**
 * The pipeline stage that feeds TCP packets of tracked flows into the reassembler: one call
 * per packet with the flow slot as the stream index, `onFlowEnd` wired to the flow table's
 * end hook so a slot's streams are flushed and closed before the slot is reused.
 */
import type { Packet } from '../sensor/decode/packet.js';
import type { FlowTable } from '../sensor/flow/table.js';
import type { PacketStage } from '../sensor/pipeline.js';
import { TcpReassembler, TcpVerdict, type StreamConsumer, type TcpReassemblyConfig } from './tcp.js';

const TCP = 6;

export class ReassemblyStage implements PacketStage {
  readonly tcp: TcpReassembler;
  private readonly seen: Uint8Array;
  private readonly v6 = new Uint8Array(16);

  constructor(flows: FlowTable, cfg: Omit<TcpReassemblyConfig, 'capacity'>, consumer: StreamConsumer) {
    this.tcp = new TcpReassembler({ ...cfg, capacity: flows.cap }, consumer);
    this.seen = new Uint8Array(flows.cap);
    // Flow end: deliver the last bytes before the record is built, put the stream results in
    // the record, then free the streams.
    flows.onEnding((slot) => {
      if (this.seen[slot] !== 0) this.tcp.finishFlow(slot);
    });
    flows.addRecordFields((slot, rec) => {
      if (this.seen[slot] === 0) return;
      const t = this.tcp;
      rec.reassembled_bytes_toserver = t.reassembledBytes(slot, true);
      rec.reassembled_bytes_toclient = t.reassembledBytes(slot, false);
      rec.gaps_toserver = t.gaps(slot, true);
      rec.gaps_toclient = t.gaps(slot, false);
      rec.stream_events = t.eventSet(slot);
    });
    flows.onEnd((slot) => {
      if (this.seen[slot] !== 0) {
        this.seen[slot] = 0;
        this.tcp.reset(slot);
      }
    });
  }

  stats(): Record<string, number> {
    return this.tcp.stats();
  }

  onPacket(p: Packet, flows: FlowTable, slot: number, dir: number): void {
    if (p.proto !== TCP || p.l4Off < 0) return;
    const tcp = this.tcp;
    if (this.seen[slot] === 0) {
      this.seen[slot] = 1;
      // Overlap policy by the server's address (flow slot layout: slot*8+4.. = server).
      const a = slot * 8 + 4;
      if (flows.ipv[slot] === 4) tcp.setPolicyV4(slot, flows.addr[a + 3]!);
      else {
        const v6 = this.v6;
        for (let i = 0; i < 4; i++) {
          const w = flows.addr[a + i]!;
          v6[4 * i] = w >>> 24;
          v6[4 * i + 1] = (w >>> 16) & 0xff;
          v6[4 * i + 2] = (w >>> 8) & 0xff;
          v6[4 * i + 3] = w & 0xff;
        }
        tcp.setPolicyV6(slot, v6, 0);
      }
    }
    const v = tcp.onPacket(slot, dir === 0, p.tcpSeq, p.tcpAck, p.tcpFlags, p.tcpWin, p.tcpWscale, p.tsUs, p.data, p.payOff, p.payLen);
    if (v === TcpVerdict.REUSE) {
      // The flow table kept the slot (it saw no close): start the session over in place.
      tcp.onFlowEnd(slot);
      tcp.onPacket(slot, dir === 0, p.tcpSeq, p.tcpAck, p.tcpFlags, p.tcpWin, p.tcpWscale, p.tsUs, p.data, p.payOff, p.payLen);
    }
  }
}

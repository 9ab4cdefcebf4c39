/**
 * Test support: run the worker pipeline (sensor/pipeline.ts) over capture sources and
 * reduce flow records to comparable lines. Timeouts are set beyond any gap in the replayed
 * pcaps so offline (pcap time) and live (arrival time) runs end flows for the same reasons
 * (content: FIN/RST/reuse, or shutdown), and records must then match one for one.
 */
import { Pipeline } from '../../sensor/pipeline.js';
import { DEFAULT_FLOW_CONFIG, type FlowConfig } from '../../sensor/flow/config.js';
import type { FlowRecord } from '../../sensor/flow/record.js';
import type { CaptureSource, FrameBatch } from '../../sensor/capture/source.js';
import { openCaptureFiles } from '../../sensor/capture/file.js';

const FOREVER = 1e9;
export const TEST_FLOW_CONFIG: FlowConfig = {
  ...DEFAULT_FLOW_CONFIG,
  maxFlows: 65_536,
  timeouts: {
    tcp: { new: FOREVER, established: FOREVER, closed: FOREVER },
    udp: { new: FOREVER, established: FOREVER },
    icmp: { new: FOREVER, established: FOREVER },
    default: { new: FOREVER, established: FOREVER },
  },
};

export function newPipeline(out: FlowRecord[]): Pipeline {
  return new Pipeline({ flow: TEST_FLOW_CONFIG, defrag: {} }, (r) => out.push(r));
}

/** What must be equal between offline and live: key, direction, counts, bytes, state. */
export function flowLine(r: FlowRecord): string {
  return [r.src_ip, r.src_port, r.dest_ip, r.dest_port, r.proto, r.vlan.join('.'), r.tunnel_depth,
    r.pkts_toserver, r.pkts_toclient, r.bytes_toserver, r.bytes_toclient,
    r.payload_bytes_toserver, r.payload_bytes_toclient, r.tcp_flags_ts, r.tcp_flags_tc, r.conn_state, r.history].join(' ');
}

export function flowLines(recs: FlowRecord[]): string[] {
  return recs.map(flowLine).sort();
}

/** Flow records from reading a pcap offline through the same pipeline. */
export function offlineFlows(pcap: string): FlowRecord[] {
  const recs: FlowRecord[] = [];
  const p = newPipeline(recs);
  const src = openCaptureFiles([pcap]);
  for (let b = src.next(0); b !== null; b = src.next(0)) {
    p.processBatch(b);
    src.release(b);
  }
  src.close();
  p.finish();
  return recs;
}

/** One pipeline per live source (as one worker per queue would run). */
export class LiveFlows {
  readonly records: FlowRecord[] = [];
  readonly pipelines: Pipeline[];
  constructor(n: number) {
    this.pipelines = Array.from({ length: n }, () => newPipeline(this.records));
  }
  onBatch = (i: number, b: FrameBatch): void => {
    this.pipelines[i].processBatch(b);
  };
  finish(): FlowRecord[] {
    for (const p of this.pipelines) p.finish();
    return this.records;
  }
}

/** Frame-level digest of a source: count, bytes, and FNV-1a of every frame in order. */
export class FrameDigest {
  count = 0;
  bytes = 0;
  vlanMeta = 0;
  readonly hashes: number[] = [];
  readonly ts: number[] = [];
  add = (_i: number, b: FrameBatch): void => {
    for (let k = 0; k < b.count; k++) {
      const off = b.offset[k], len = b.caplen[k];
      let h = 0x811c9dc5;
      for (let j = off; j < off + len; j++) h = Math.imul(h ^ b.data[j], 0x01000193);
      this.hashes.push(h >>> 0);
      this.ts.push(b.tsUs[k]);
      this.count++;
      this.bytes += len;
      if (b.vlan[k] >= 0) this.vlanMeta++;
    }
  };
}

export function digestFile(pcap: string): FrameDigest {
  const d = new FrameDigest();
  const src = openCaptureFiles([pcap]);
  for (let b = src.next(0); b !== null; b = src.next(0)) {
    d.add(0, b);
    src.release(b);
  }
  src.close();
  return d;
}

export function drainSource(src: CaptureSource, onBatch: (i: number, b: FrameBatch) => void, idleMs = 300): void {
  let idle = 0;
  while (idle < idleMs) {
    const b = src.next(50);
    if (b === null) {
      idle += 50;
      continue;
    }
    idle = 0;
    onBatch(0, b);
    src.release(b);
  }
}

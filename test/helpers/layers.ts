/**
 * Test helpers: run the real pipeline over a capture and record, per frame, what each
 * decoded IP layer said (addresses, protocol, ports), for comparison with tshark.
 */
import { openCaptureFiles } from '../../sensor/capture/file.js';
import { Pipeline, type PacketStage } from '../../sensor/pipeline.js';
import type { Packet } from '../../sensor/decode/packet.js';
import { Proto } from '../../sensor/decode/proto.js';
import { EVENT_NAMES } from '../../sensor/decode/events.js';
import { formatAddr } from '../../sensor/flow/addr.js';
import { defaultConfig } from '../../sensor/config.js';
import type { FlowRecord } from '../../sensor/flow/record.js';
import { runOffline } from '../../sensor/run.js';
import type { SensorConfig } from '../../sensor/build.js';

export interface Layer {
  v: number;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  fragment: boolean;
}

/**
 * Per frame (index = frame number - 1): the IP layers the pipeline decoded, outermost first,
 * and the decode events the frame raised (names). A fragment that completes a datagram and
 * the datagram itself are one layer (as tshark shows them): the datagram's entry replaces it.
 */
export function decodeLayersOf(file: string): { frames: Layer[][]; events: string[][]; stats: Record<string, number> } {
  const frames: Layer[][] = [];
  const events: string[][] = [];
  const cfg = defaultConfig();
  const pl = new Pipeline({ flow: cfg.flow, defrag: cfg.defrag }, () => {});
  const take = (p: Packet, fragment: boolean) => {
    const i = pl.counters.packets - 1;
    const f = (frames[i] ??= []);
    if (!fragment && p.reassembled && f.length > 0 && f[f.length - 1].fragment) f.pop();
    f.push({
      v: p.ipVersion,
      src: formatAddr(p.src, 0, p.ipVersion === 4),
      dst: formatAddr(p.dst, 0, p.ipVersion === 4),
      proto: p.proto,
      sport: fragment ? 0 : p.sport,
      dport: fragment ? 0 : p.dport,
      fragment,
    });
  };
  const stage: PacketStage = {
    onPacket: (p) => take(p, false),
    onOtherPacket: (p, st) => {
      if (p.ipVersion !== 0 && st === Proto.FRAGMENT) take(p, true);
      else if (p.ipVersion !== 0 && st === Proto.INVALID) take(p, true); // addresses decoded, transport malformed
    },
  };
  pl.addStage(stage);
  const src = openCaptureFiles([file]);
  for (let b = src.next(0); b !== null; b = src.next(0)) {
    for (let k = 0; k < b.count; k++) {
      pl.processFrame(b.data, b.offset[k], b.caplen[k], b.wirelen[k], b.tsUs[k], b.linktype[k], b.iface[k], b.vlan[k]);
      const i = pl.counters.packets - 1;
      frames[i] ??= [];
      events[i] = [...pl.p.events.subarray(0, pl.p.eventCount)].map((e) => EVENT_NAMES[e]);
    }
  }
  pl.finish();
  return { frames, events, stats: pl.statsSnapshot() };
}

export function sensorConfig(set: (c: ReturnType<typeof defaultConfig>) => void = () => {}): SensorConfig {
  const c = defaultConfig();
  set(c);
  return { flow: c.flow, defrag: c.defrag, detect: null };
}

/** Flow records of a capture through runOffline (the code path of `fennec run`). */
export async function flowsOf(paths: string[], workers = 1, cfg: SensorConfig = sensorConfig()): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  await runOffline({ paths, workers, config: cfg, sink: { flows: (r) => { for (const x of r) out.push(x); } } });
  return out;
}

import { Pipeline, type PipelineConfig } from './pipeline.js';
import type { FlowRecord } from './flow/record.js';
import type { AlertRecord } from './output/alert-record.js';
import { DetectStage, type DetectSettings } from '../rules/detect/stage.js';
import { ReassemblyStage } from '../reassembly/stage.js';
import type { StreamConsumer } from '../reassembly/tcp.js';
import type { StreamPolicyName } from '../reassembly/policies.js';
import type { HttpConfig } from './app/http/config.js';
import { AppStage } from './app/stage.js';
import { STREAM_CHUNK, StreamDetect } from '../rules/detect/stream-stage.js';

/** TCP reassembly settings (suricata.yaml `stream:`). */
export interface StreamSettings {
  /** Fennec: `stream.reassembly.enabled` (default yes). Off = a flow meter only: no stream content, no stream/app-layer detection. */
  enabled?: boolean;
  depth: number;
  memcap: number;
  policy: string;
  /** Deliver data when it arrives instead of when acknowledged. */
  inline: boolean;
  midstream: boolean;
  /** Raw stream inspection chunk sizes (stream.reassembly.toserver/toclient-chunk-size; absent = 2560). Inline mode inspects every delivery. */
  toServerChunk?: number;
  toClientChunk?: number;
}

/**
 * Everything a worker needs to build its pipeline. Plain data: it is cloned into each
 * worker thread.
 */
export interface SensorConfig extends PipelineConfig {
  /** TCP reassembly; absent = Suricata's defaults. */
  stream?: StreamSettings;
  /** Rule detection; absent or null = no rules loaded. */
  detect?: DetectSettings | null;
  /** libhtp settings of the HTTP parser (app-layer.protocols.http.libhtp.default-config.*); absent = Suricata's defaults. */
  http?: HttpConfig;
}

export interface BuiltPipeline {
  pipeline: Pipeline;
  reassembly: ReassemblyStage | null;
  detect: DetectStage | null;
  /** App layer (null when neither reassembly nor detection runs: flow metering only). */
  app: AppStage | null;
}

const DEFAULT_STREAM: StreamSettings = { depth: 1 << 20, memcap: 256 << 20, policy: 'bsd', inline: false, midstream: false };

/** Hands each reassembled chunk to every consumer in order (app-layer, stream detection). */
export class StreamFanout implements StreamConsumer {
  constructor(private readonly consumers: StreamConsumer[]) {}
  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number, streamOffset: number): void {
    for (const c of this.consumers) c.onData(flow, toServer, bytes, off, len, streamOffset);
  }
  onGap(flow: number, toServer: boolean, streamOffset: number, len: number): void {
    for (const c of this.consumers) c.onGap(flow, toServer, streamOffset, len);
  }
  onClose(flow: number, toServer: boolean): void {
    for (const c of this.consumers) c.onClose(flow, toServer);
  }
  onSessionEnd(flow: number): void {
    for (const c of this.consumers) c.onSessionEnd?.(flow);
  }
  add(c: StreamConsumer): void {
    this.consumers.push(c);
  }
}

/**
 * The one place a worker's pipeline is assembled (the inline path and every worker thread
 * call it, so they run the same stages), in the architecture's order: decode + defrag +
 * flow (the Pipeline itself), TCP reassembly feeding its stream consumers, detection.
 */
export function buildPipeline(cfg: SensorConfig, onFlow: (rec: FlowRecord) => void, onAlert: (a: AlertRecord) => void = () => {}): BuiltPipeline {
  const pipeline = new Pipeline(cfg, onFlow);
  const st = cfg.stream ?? DEFAULT_STREAM;
  const consumers = new StreamFanout([]);
  let reassembly: ReassemblyStage | null = null;
  if (st.enabled !== false) {
    reassembly = new ReassemblyStage(pipeline.flows, {
      depth: st.depth, memcap: st.memcap, policy: st.policy as StreamPolicyName, immediate: st.inline, midstream: st.midstream,
    }, consumers);
    pipeline.addStage(reassembly);
  }
  let detect: DetectStage | null = null;
  if (cfg.detect && cfg.detect.paths.length > 0) detect = new DetectStage(cfg.detect, pipeline.flows, onAlert);
  // App layer: on whenever reassembly or detection runs (flow records carry app_proto);
  // with rules it inspects transactions with the DetectStage's per-flow state. It runs
  // before packet detection so `alert http` packet rules see the protocol detected from
  // the data reassembled up to this packet.
  // App layer before raw stream inspection in the fanout: `alert http` stream rules then
  // see the protocol the chunk identified; app rules with payload parts read the raw
  // stream through StreamDetect.assemble (inspected tail + waiting bytes + the current
  // chunk), and a completed transaction side triggers raw inspection (StreamDetect.trigger).
  let stream: StreamDetect | null = null;
  if (detect && reassembly) {
    detect.streamState = reassembly.tcp.state;
    stream = new StreamDetect(pipeline.flows, detect, {
      toServerChunk: st.inline ? 0 : st.toServerChunk ?? STREAM_CHUNK,
      toClientChunk: st.inline ? 0 : st.toClientChunk ?? STREAM_CHUNK,
      depth: st.depth,
    });
  }
  let app: AppStage | null = null;
  if (reassembly !== null || detect !== null) {
    app = new AppStage(pipeline.flows, null, onAlert, null, undefined, detect);
    if (cfg.http) app.layer.httpCfg = cfg.http;
    app.raw = stream;
    consumers.add(app);
    pipeline.addStage(app);
  }
  if (stream) consumers.add(stream);
  if (detect) pipeline.addStage(detect);
  return { pipeline, reassembly, detect, app };
}

import { Pipeline, type PipelineConfig } from './pipeline.js';
import type { FlowRecord } from './flow/record.js';

/**
 * The one place a worker's pipeline is assembled (the inline path and every worker thread
 * call it, so they run the same stages): decode + defrag + flow, then the optional stages
 * (reassembly, detection) added here as they are configured.
 */
export interface SensorConfig extends PipelineConfig {}

export interface BuiltPipeline {
  pipeline: Pipeline;
}

export function buildPipeline(cfg: SensorConfig, onFlow: (rec: FlowRecord) => void): BuiltPipeline {
  const pipeline = new Pipeline(cfg, onFlow);
  return { pipeline };
}

import { Pipeline, type PipelineConfig } from './pipeline.js';
import type { FlowRecord } from './flow/record.js';
import type { AlertRecord } from './output/alert-record.js';
import { DetectStage, type DetectSettings } from '../rules/detect/stage.js';

/**
 * Everything a worker needs to build its pipeline. Plain data: it is cloned into each
 * worker thread.
 */
export interface SensorConfig extends PipelineConfig {
  /** Rule detection; absent or null = no rules loaded. */
  detect?: DetectSettings | null;
}

export interface BuiltPipeline {
  pipeline: Pipeline;
  detect: DetectStage | null;
}

/**
 * The one place a worker's pipeline is assembled (the inline path and every worker thread
 * call it, so they run the same stages): decode + defrag + flow, then the configured stages
 * in order (detection).
 */
export function buildPipeline(cfg: SensorConfig, onFlow: (rec: FlowRecord) => void, onAlert: (a: AlertRecord) => void = () => {}): BuiltPipeline {
  const pipeline = new Pipeline(cfg, onFlow);
  let detect: DetectStage | null = null;
  if (cfg.detect && cfg.detect.paths.length > 0) {
    detect = new DetectStage(cfg.detect, pipeline.flows, onAlert);
    pipeline.addStage(detect);
  }
  return { pipeline, detect };
}

/**
 * Allocation counter for capture paths: after a warm-up, force a GC, then read every
 * remaining batch touching each frame's first and last byte through the batch view, and
 * report how much the V8 new space (where every JS allocation lands first) and the
 * ArrayBuffer memory grew. With nothing allocated per packet both stay flat.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { CaptureSource } from '../../sensor/capture/source.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

export interface AllocMeasure {
  frames: number;
  batches: number;
  newSpaceGrowth: number;
  arrayBufferGrowth: number;
  checksum: number;
}

export function measureAllocation(src: CaptureSource, warmupBatches: number, idleMs = 300): AllocMeasure {
  let sum = 0, frames = 0, batches = 0, idle = 0;
  let ns0 = 0, ab0 = 0;
  while (idle < idleMs) {
    if (batches === warmupBatches) {
      gc();
      ns0 = newSpaceUsed();
      ab0 = process.memoryUsage().arrayBuffers;
      batches++;
    }
    const b = src.next(50);
    if (b === null) {
      idle += 50;
      continue;
    }
    idle = 0;
    const n = b.count, data = b.data, off = b.offset, cap = b.caplen;
    for (let i = 0; i < n; i++) sum += data[off[i]] + data[off[i] + cap[i] - 1];
    if (batches > warmupBatches) frames += n;
    batches++;
    src.release(b);
  }
  return { frames, batches, newSpaceGrowth: newSpaceUsed() - ns0, arrayBufferGrowth: process.memoryUsage().arrayBuffers - ab0, checksum: sum };
}

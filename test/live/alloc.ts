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

/**
 * Reads until `totalFrames` frames were seen (or `idleMs` without any), measuring from the
 * first batch after `warmupFrames` frames (the JIT has optimized the loop by then) to the
 * batch that completes `totalFrames`.
 */
export function measureAllocation(src: CaptureSource, warmupFrames: number, totalFrames: number, idleMs = 2000): AllocMeasure {
  let sum = 0, seen = 0, frames = 0, batches = 0, idle = 0;
  let ns0 = 0, ab0 = 0, measuring = false;
  // Collect before the warm-up, not at its end: a full GC there deoptimized next() ("code
  // dependencies" / "weak objects" in --trace-deopt) and the interpreter then boxed every
  // timestamp inside the measured window. Without a GC in the window, new-space usage only
  // grows, so growth < 0 means a scavenge ran, i.e. megabytes were allocated.
  gc();
  while (idle < idleMs && seen < totalFrames) {
    if (!measuring && seen >= warmupFrames) {
      ns0 = newSpaceUsed();
      ab0 = process.memoryUsage().arrayBuffers;
      measuring = true;
    }
    const b = src.next(50);
    if (b === null) {
      idle += 50;
      continue;
    }
    idle = 0;
    const n = b.count, data = b.data, off = b.offset, cap = b.caplen;
    for (let i = 0; i < n; i++) sum += data[off[i]] + data[off[i] + cap[i] - 1];
    src.release(b);
    seen += n;
    if (measuring) frames += n;
    batches++;
  }
  const ns1 = newSpaceUsed();
  const ab1 = process.memoryUsage().arrayBuffers;
  return { frames, batches, newSpaceGrowth: ns1 - ns0, arrayBufferGrowth: ab1 - ab0, checksum: sum };
}

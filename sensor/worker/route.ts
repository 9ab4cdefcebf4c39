/**
 * How the offline dispatcher splits flows between its own pipeline and the ring workers (its
 * own module so the main thread can import it without starting a dispatcher).
 */
/** Hash buckets; a frame's bucket is dispatchHash % BUCKETS. */
export const BUCKETS = 64;

/**
 * How many of the BUCKETS the dispatcher keeps for its own pipeline when `workers` pipelines
 * run in all (itself + workers - 1 ring workers), so that every thread has the same work:
 * dispatch d + pipeline p * a = p * (1 - a) / (workers - 1), i.e. a = (p - d (workers - 1)) / (p workers).
 * Measured on bench-1g (bench/dispatch.ts, bench/pipeline-run.ts): d ~ 200 ns, p ~ 500 ns per
 * frame, so d/p = 0.4: 2 workers -> 30 % here, 3 -> 7 %, 4 and more -> 0 (dispatch only, with
 * `workers` ring workers). On 2 cores this runs 2 busy threads for --workers 2 instead of 3.
 */
export function selfBuckets(workers: number): number {
  if (workers < 2) return 0;
  const a = (1 - 0.4 * (workers - 1)) / workers;
  return a <= 0 ? 0 : Math.round(a * BUCKETS);
}

/**
 * Where things are, relative to the checkout (never absolute): the repository root, the
 * shared data folder beside it (`../shared`, as CI lays it out), and the benchmark capture
 * that `npm run bench` builds.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is compiled to dist/test/helpers/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED = path.resolve(ROOT, '../shared');
export const BENCH_PCAP = path.join(ROOT, 'bench/.data/bench-1g.pcap');

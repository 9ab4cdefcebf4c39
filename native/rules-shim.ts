/**
 * Loader for the rule engine's native parts: libhs.so.5 (Vectorscan), libpcre2-8.so.0 and
 * the small C shim native/build/libfennec_rules.so (native/rules/fennec_rules.c). Failures
 * go through the one "not available on this host" path every native backend uses
 * (native/unavailable.ts), so callers print a single clear line instead of a dlopen trace.
 */
import type { LibraryHandle } from 'koffi';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLibrary, NativeUnavailableError, repoRoot } from './unavailable.js';

export { loadLibrary, NativeUnavailableError };

/** The C shim; built by `make -C native/rules` (scripts/setup.sh runs native/Makefile). */
export function loadShim(): LibraryHandle {
  const path = process.env.FENNEC_RULES_SHIM ?? join(repoRoot(), 'native', 'build', 'libfennec_rules.so');
  if (!existsSync(path)) {
    throw new NativeUnavailableError('libfennec_rules.so', `${path} is not built`,
      'run `make -C native/rules` (needs libvectorscan-dev and libpcre2-dev)');
  }
  // libhs and libpcre2 first so their own errors name the real missing package.
  loadLibrary('libhs.so.5', 'install the Debian package libvectorscan5 (apt-get install libvectorscan5)');
  loadLibrary('libpcre2-8.so.0', 'install the Debian package libpcre2-8-0');
  return loadLibrary(path, 'rebuild it with `make -C native/rules`');
}

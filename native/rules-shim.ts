/**
 * Loader for the rule engine's native parts: libhs.so.5 (Vectorscan), libpcre2-8.so.0 and
 * the small C shim native/build/libfennec_rules.so (native/rules/fennec_rules.c). Every
 * failure to load becomes one NativeUnavailableError saying what is missing and what to
 * install, so callers print a single clear line instead of a dlopen trace.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export class NativeUnavailableError extends Error {
  readonly code = 'FENNEC_ERR_NATIVE_UNAVAILABLE';
  constructor(readonly library: string, readonly why: string, readonly install: string) {
    super(`${library} is not available on this host: ${why}; ${install}`);
    this.name = 'NativeUnavailableError';
  }
}

/** Repository root: the directory holding package.json above this file (src or dist). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

const loaded = new Map<string, LibraryHandle>();

export function loadLibrary(soname: string, install: string): LibraryHandle {
  const have = loaded.get(soname);
  if (have) return have;
  let lib: LibraryHandle;
  try {
    lib = koffi.load(soname);
  } catch (e) {
    throw new NativeUnavailableError(soname, `dlopen failed (${(e as Error).message.split('\n')[0]})`, install);
  }
  loaded.set(soname, lib);
  return lib;
}

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

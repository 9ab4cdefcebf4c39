/**
 * The one "not available on this host" path for every native capture backend (AF_PACKET,
 * AF_XDP, DPDK, netmap, BPF). A backend that cannot start throws a NativeUnavailableError
 * that says what is missing, why, and what to install or do; the CLI prints `message` as one
 * line. The code and shape match the rule engine's loader (native/rules-shim.ts) so callers
 * can treat both the same way.
 */
import koffi from 'koffi';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type LibraryHandle = ReturnType<typeof koffi.load>;

export type UnavailableReason = 'library' | 'permission' | 'interface' | 'kernel' | 'config';

export class NativeUnavailableError extends Error {
  readonly code = 'FENNEC_ERR_NATIVE_UNAVAILABLE';
  constructor(
    /** What could not be used: a library soname, a backend name, an interface. */
    readonly library: string,
    /** Why, in a few words (errno text included when there is one). */
    readonly why: string,
    /** What to install or do about it. */
    readonly install: string,
    readonly reason: UnavailableReason = 'library',
  ) {
    super(`${library} is not available on this host: ${why}; ${install}`);
    this.name = 'NativeUnavailableError';
  }
}

/** Repository root: the directory holding package.json above this file (source or dist). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

const loaded = new Map<string, LibraryHandle>();

/** dlopen once; a failure becomes a NativeUnavailableError naming the package to install. */
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

/** A shim built by native/Makefile into native/build/. */
export function loadShim(file: string, needs: string): LibraryHandle {
  const path = join(repoRoot(), 'native', 'build', file);
  if (!existsSync(path)) {
    throw new NativeUnavailableError(file, `${path} is not built`, `run \`make -C native\` (needs ${needs})`);
  }
  return loadLibrary(path, `rebuild it with \`make -C native\` (needs ${needs})`);
}

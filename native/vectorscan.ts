/**
 * Vectorscan (libhs.so.5, Hyperscan API 5.4) facade for the rule prefilter.
 *
 * - compileLiterals / compileRegex: many patterns with ids and flags into one block-mode
 *   database (hs_compile_lit_multi / hs_compile_ext_multi through the shim, because the
 *   literals are binary and need a `const char **`).
 * - serialize / deserialize: for the on-disk cache keyed by ruleset hash.
 * - Scratch: allocScratch / cloneScratch (one scratch per worker, like Suricata's
 *   util-mpm-hs.c which shares databases and clones scratch per thread).
 * - BatchScanner.scan: ONE FFI call scans many buffers of one base array and returns the
 *   (tag, id, end) triples in preallocated Uint32Arrays. Measured in bench/rules.ts: a koffi
 *   callback per match costs ~1 µs, the batch call costs one FFI crossing per batch.
 */
import koffi, { type LibraryHandle } from 'koffi';

type KoffiFunction = ReturnType<LibraryHandle['func']>;
import { loadLibrary, loadShim, NativeUnavailableError } from './rules-shim.js';

export { NativeUnavailableError };

export const HS_FLAG_CASELESS = 1;
export const HS_FLAG_DOTALL = 2;
export const HS_FLAG_MULTILINE = 4;
export const HS_FLAG_SINGLEMATCH = 8;
export const HS_FLAG_ALLOWEMPTY = 16;
export const HS_FLAG_PREFILTER = 128;
export const HS_FLAG_SOM_LEFTMOST = 256;
export const HS_MODE_BLOCK = 1;

const HS_SUCCESS = 0;

const hsDatabase = koffi.opaque('hs_database_t');
const hsScratch = koffi.opaque('hs_scratch_t');
export const DbPtr = koffi.pointer('hs_database_t_ptr', hsDatabase);
export const ScratchPtr = koffi.pointer('hs_scratch_t_ptr', hsScratch);
const scanCtx = koffi.opaque('fennec_scan_ctx');
koffi.pointer('fennec_scan_ctx_ptr', scanCtx);

interface Api {
  compileLits: KoffiFunction;
  compileRegex: KoffiFunction;
  ctxNew: KoffiFunction;
  ctxBlock: KoffiFunction;
  ctxSetScratch: KoffiFunction;
  ctxFree: KoffiFunction;
  ctxScan: KoffiFunction;
  ctxScan2: KoffiFunction;
  ctxTcp: KoffiFunction;
  serialize: KoffiFunction;
  copyFree: KoffiFunction;
  deserialize: KoffiFunction;
  freeDatabase: KoffiFunction;
  databaseSize: KoffiFunction;
  allocScratch: KoffiFunction;
  cloneScratch: KoffiFunction;
  freeScratch: KoffiFunction;
  scratchSize: KoffiFunction;
  version: KoffiFunction;
}

let api: Api | null = null;

function load(): Api {
  if (api) return api;
  const hs = loadLibrary('libhs.so.5', 'install the Debian package libvectorscan5 (apt-get install libvectorscan5)');
  const shim = loadShim();
  api = {
    compileLits: shim.func('int32_t fennec_hs_compile_lits(const uint8_t *blob, const uint32_t *offs, const uint32_t *lens, const uint32_t *flags, const uint32_t *ids, uint32_t n, uint32_t mode, _Out_ hs_database_t_ptr *db, _Out_ uint8_t *errbuf, uint32_t errcap, _Out_ int32_t *errexpr)'),
    compileRegex: shim.func('int32_t fennec_hs_compile_regex(const uint8_t *blob, const uint32_t *offs, const uint32_t *flags, const uint32_t *ids, const uint32_t *min_off, const uint32_t *max_off, uint32_t n, uint32_t mode, _Out_ hs_database_t_ptr *db, _Out_ uint8_t *errbuf, uint32_t errcap, _Out_ int32_t *errexpr)'),
    ctxNew: shim.func('fennec_scan_ctx_ptr fennec_scan_ctx_new(uint32_t nb, uint32_t cap)'),
    ctxBlock: shim.func('void *fennec_scan_ctx_block(fennec_scan_ctx_ptr c)'),
    ctxSetScratch: shim.func('void fennec_scan_ctx_set_scratch(fennec_scan_ctx_ptr c, hs_scratch_t_ptr s)'),
    ctxFree: shim.func('void fennec_scan_ctx_free(fennec_scan_ctx_ptr c)'),
    ctxScan: shim.func('int32_t fennec_scan_ctx_scan(fennec_scan_ctx_ptr c, hs_database_t_ptr db, const uint8_t *base, uint32_t n)'),
    ctxTcp: shim.func('int32_t fennec_scan_ctx_tcp(fennec_scan_ctx_ptr c, hs_database_t_ptr db1, hs_database_t_ptr db2, const uint8_t *base, uint32_t l4off, uint32_t l4len, uint32_t pseudo, uint32_t payoff, uint32_t paylen)'),
    ctxScan2: shim.func('int32_t fennec_scan_ctx_scan2(fennec_scan_ctx_ptr c, hs_database_t_ptr db1, hs_database_t_ptr db2, const uint8_t *base, uint32_t n)'),
    serialize: shim.func('int32_t fennec_hs_serialize(hs_database_t_ptr db, _Out_ void **bytes, _Out_ size_t *len)'),
    copyFree: shim.func('void fennec_copy_free(void *src, _Out_ uint8_t *dst, size_t n)'),
    deserialize: hs.func('int hs_deserialize_database(const uint8_t *bytes, size_t length, _Out_ hs_database_t_ptr *db)'),
    freeDatabase: hs.func('int hs_free_database(hs_database_t_ptr db)'),
    databaseSize: hs.func('int hs_database_size(hs_database_t_ptr db, _Out_ size_t *size)'),
    allocScratch: hs.func('int hs_alloc_scratch(hs_database_t_ptr db, _Inout_ hs_scratch_t_ptr *scratch)'),
    cloneScratch: hs.func('int hs_clone_scratch(hs_scratch_t_ptr src, _Out_ hs_scratch_t_ptr *dest)'),
    freeScratch: hs.func('int hs_free_scratch(hs_scratch_t_ptr scratch)'),
    scratchSize: hs.func('int hs_scratch_size(hs_scratch_t_ptr scratch, _Out_ size_t *size)'),
    version: hs.func('const char *hs_version()'),
  };
  return api;
}

/** Throws NativeUnavailableError when Vectorscan or the shim cannot be loaded. */
export function vectorscanVersion(): string {
  return load().version() as string;
}

export class HsCompileError extends Error {
  readonly code = 'FENNEC_ERR_HS_COMPILE';
  constructor(message: string, readonly expression: number) {
    super(message);
  }
}

/** A compiled block-mode database. Free it with free() when the ruleset is swapped out. */
export class HsDatabase {
  private constructor(private ptr: unknown) {}

  static adopt(ptr: unknown): HsDatabase {
    return new HsDatabase(ptr);
  }

  get handle(): unknown {
    if (this.ptr === null) throw new Error('hs database already freed');
    return this.ptr;
  }

  size(): number {
    const out = [0];
    check(load().databaseSize(this.handle, out), 'hs_database_size');
    return Number(out[0]);
  }

  serialize(): Uint8Array {
    const a = load();
    const bytes: unknown[] = [null];
    const len = [0];
    check(a.serialize(this.handle, bytes, len), 'hs_serialize_database');
    const out = new Uint8Array(Number(len[0]));
    a.copyFree(bytes[0], out, out.length);
    return out;
  }

  static deserialize(bytes: Uint8Array): HsDatabase {
    const out: unknown[] = [null];
    check(load().deserialize(bytes, bytes.length, out), 'hs_deserialize_database');
    return new HsDatabase(out[0]);
  }

  free(): void {
    if (this.ptr !== null) load().freeDatabase(this.ptr);
    this.ptr = null;
  }
}

function check(rc: number, what: string): void {
  if (rc !== HS_SUCCESS) throw new Error(`${what} failed: hs_error_t ${rc}`);
}

export interface LiteralPattern {
  bytes: Uint8Array;
  id: number;
  flags: number;
}

/** Compiles literal byte patterns (may contain NUL) into one block-mode database. */
export function compileLiterals(patterns: readonly LiteralPattern[]): HsDatabase {
  // Vectorscan 5.4.9's literal API rejects a literal whose first byte is NUL ("Pure literal
  // API doesn't support empty string", seen with |00 01 00|), so such sets go through the
  // regex API with every byte hex-escaped, as Suricata's util-mpm-hs.c always does.
  for (const p of patterns) {
    if (p.bytes.length === 0 || p.bytes[0] === 0) {
      return compileRegex(patterns.map((q) => ({ expression: hexEscape(q.bytes), id: q.id, flags: q.flags })));
    }
  }
  const a = load();
  const n = patterns.length;
  let total = 0;
  for (const p of patterns) total += p.bytes.length;
  const blob = new Uint8Array(Math.max(1, total));
  const offs = new Uint32Array(n), lens = new Uint32Array(n), flags = new Uint32Array(n), ids = new Uint32Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const p = patterns[i];
    blob.set(p.bytes, o);
    offs[i] = o; lens[i] = p.bytes.length; flags[i] = p.flags; ids[i] = p.id;
    o += p.bytes.length;
  }
  const db: unknown[] = [null];
  const err = new Uint8Array(512);
  const errExpr = [-1];
  const rc = a.compileLits(blob, offs, lens, flags, ids, n, HS_MODE_BLOCK, db, err, err.length, errExpr);
  if (rc !== HS_SUCCESS) throw new HsCompileError(`hs_compile_lit_multi: ${cstr(err)} (rc ${rc})`, errExpr[0]);
  return HsDatabase.adopt(db[0]);
}

export interface RegexPattern {
  expression: string;
  id: number;
  flags: number;
  /** hs_expr_ext min_offset / max_offset; 0 means unset. */
  minOffset?: number;
  maxOffset?: number;
}

/** Compiles regular expressions (Hyperscan syntax) with optional offset bounds. */
export function compileRegex(patterns: readonly RegexPattern[]): HsDatabase {
  const a = load();
  const n = patterns.length;
  const enc = new TextEncoder();
  const parts = patterns.map((p) => enc.encode(p.expression));
  let total = 0;
  for (const b of parts) total += b.length + 1;
  const blob = new Uint8Array(Math.max(1, total));
  const offs = new Uint32Array(n), flags = new Uint32Array(n), ids = new Uint32Array(n);
  const minOff = new Uint32Array(n), maxOff = new Uint32Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    blob.set(parts[i], o);
    offs[i] = o;
    o += parts[i].length + 1; // NUL terminator (blob is zero-filled)
    flags[i] = patterns[i].flags; ids[i] = patterns[i].id;
    minOff[i] = patterns[i].minOffset ?? 0; maxOff[i] = patterns[i].maxOffset ?? 0;
  }
  const db: unknown[] = [null];
  const err = new Uint8Array(512);
  const errExpr = [-1];
  const rc = a.compileRegex(blob, offs, flags, ids, minOff, maxOff, n, HS_MODE_BLOCK, db, err, err.length, errExpr);
  if (rc !== HS_SUCCESS) throw new HsCompileError(`hs_compile_ext_multi: ${cstr(err)} (rc ${rc})`, errExpr[0]);
  return HsDatabase.adopt(db[0]);
}

/** `\\xNN` for every byte: a regex matching exactly these bytes. */
export function hexEscape(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += '\\x' + (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

function cstr(b: Uint8Array): string {
  const z = b.indexOf(0);
  return new TextDecoder().decode(b.subarray(0, z < 0 ? b.length : z));
}

/** Scratch space: one per worker thread; grow it for every database it will scan. */
export class HsScratch {
  private ptr: unknown = null;

  /** Allocates (or grows) this scratch so it can scan `db`. */
  grow(db: HsDatabase): this {
    const p: unknown[] = [this.ptr];
    check(load().allocScratch(db.handle, p), 'hs_alloc_scratch');
    this.ptr = p[0];
    return this;
  }

  clone(): HsScratch {
    const out: unknown[] = [null];
    check(load().cloneScratch(this.handle, out), 'hs_clone_scratch');
    const s = new HsScratch();
    s.ptr = out[0];
    return s;
  }

  get handle(): unknown {
    if (this.ptr === null) throw new Error('hs scratch not allocated');
    return this.ptr;
  }

  size(): number {
    const out = [0];
    check(load().scratchSize(this.handle, out), 'hs_scratch_size');
    return Number(out[0]);
  }

  free(): void {
    if (this.ptr !== null) load().freeScratch(this.ptr);
    this.ptr = null;
  }
}

/** BatchScanner.tcpScan: the TCP checksum was wrong (nothing scanned). */
export const TCP_CSUM_BAD = -1000;

/** Frees a scanner's native context once the scanner is unreachable (its views die with it). */
const scanCtxRegistry = new FinalizationRegistry<unknown>((ctx) => { if (api) api.ctxFree(ctx); });

/**
 * Batch scanner: fill `off/len/tag` for `n` buffers inside one base array, call scan(), read
 * `count` matches from matchTag/matchId/matchEnd. The arrays are views (koffi.view) of one
 * native block owned by a C scan context, so a scan passes 4 arguments to koffi instead of
 * 12 (79 vs 260 ns per call measured; ~0.9 calls per packet with ET Open), and nothing is
 * allocated per call.
 */
export class BatchScanner {
  readonly off: Uint32Array;
  readonly len: Uint32Array;
  readonly tag: Uint32Array;
  readonly matchTag: Uint32Array;
  readonly matchId: Uint32Array;
  readonly matchEnd: Uint32Array;
  /** 1 when the last scan hit the match capacity (later matches were not reported). */
  overflow = 0;
  private readonly ovf: Uint32Array;
  private readonly fn: KoffiFunction;
  private readonly fn2: KoffiFunction;
  private readonly fn3: KoffiFunction;
  private readonly ctx: unknown;
  private scratchHandle: unknown = null;

  constructor(readonly maxBuffers = 1024, readonly maxMatches = 16384) {
    const a = load();
    const ctx: unknown = a.ctxNew(maxBuffers, maxMatches);
    if (ctx === null) throw new Error('fennec_scan_ctx_new: out of memory');
    this.ctx = ctx;
    const words = 3 * maxBuffers + 3 * maxMatches + 1;
    const ab = koffi.view(a.ctxBlock(ctx), words * 4);
    let w = 0;
    const take = (n: number): Uint32Array => { const v = new Uint32Array(ab, w * 4, n); w += n; return v; };
    this.off = take(maxBuffers); this.len = take(maxBuffers); this.tag = take(maxBuffers);
    this.matchTag = take(maxMatches); this.matchId = take(maxMatches); this.matchEnd = take(maxMatches);
    this.ovf = take(1);
    this.fn = a.ctxScan;
    this.fn2 = a.ctxScan2;
    this.fn3 = a.ctxTcp;
    scanCtxRegistry.register(this, ctx);
  }

  /** Returns the number of matches; throws only on a Vectorscan runtime error (a bug). */
  scan(db: HsDatabase, scratch: HsScratch, base: Uint8Array, n: number): number {
    this.bind(scratch);
    return this.result(this.fn(this.ctx, db.handle, base, n) as number);
  }

  /** Points the native context at `scratch` when it changed (a grown scratch is a new handle). */
  private bind(scratch: HsScratch): void {
    const sh = scratch.handle;
    if (sh !== this.scratchHandle) { load().ctxSetScratch(this.ctx, sh); this.scratchHandle = sh; }
  }

  /** A scan's return code: the match count (overflow flag read), or a throw on a Vectorscan error (a bug). */
  private result(rc: number): number {
    if (rc < 0) throw new Error(`hs_scan failed: hs_error_t ${rc}`);
    this.overflow = this.ovf[0];
    return rc;
  }

  /**
   * TCP checksum of base[l4off, l4off+l4len) with the pseudo-header sum `pseudo`, then, when
   * it is right, a scan of base[payoff, payoff+paylen) with db1 (and db2 when not null; its
   * matches have bit 31 set in matchTag). Returns TCP_CSUM_BAD for a wrong checksum.
   */
  tcpScan(db1: HsDatabase, db2: HsDatabase | null, scratch: HsScratch, base: Uint8Array, l4off: number, l4len: number, pseudo: number, payoff: number, paylen: number): number {
    this.bind(scratch);
    const rc = this.fn3(this.ctx, db1.handle, db2 === null ? null : db2.handle, base, l4off, l4len, pseudo, payoff, paylen) as number;
    return rc === TCP_CSUM_BAD ? rc : this.result(rc);
  }

  /** Scans the buffers with db1 then db2 in one call; matches of db2 have bit 31 set in matchTag. */
  scan2(db1: HsDatabase, db2: HsDatabase, scratch: HsScratch, base: Uint8Array, n: number): number {
    this.bind(scratch);
    return this.result(this.fn2(this.ctx, db1.handle, db2.handle, base, n) as number);
  }
}

/**
 * PCRE2 (libpcre2-8.so.0) facade for the `pcre` rule keyword.
 *
 * compile() JIT-compiles a pattern and creates its match data once; Pcre2Code.match() runs
 * it on bytes base[off .. off+len) from a start position relative to off, writing the
 * ovector into the code's own Uint32Array. Nothing is allocated per call: the subject is
 * the caller's Uint8Array passed by pointer, the offset arithmetic happens in the C shim.
 * The subject starts at `off`, so `^` anchors there (Suricata's relative /R pcre passes the
 * buffer from the previous match end the same way).
 */
import koffi, { type LibraryHandle } from 'koffi';
import { loadLibrary, loadShim, NativeUnavailableError } from './rules-shim.js';

export { NativeUnavailableError };

type KoffiFunction = ReturnType<LibraryHandle['func']>;

export const PCRE2_ANCHORED = 0x80000000;
export const PCRE2_NO_UTF_CHECK = 0x40000000;
export const PCRE2_CASELESS = 0x00000008;
export const PCRE2_DOLLAR_ENDONLY = 0x00000010;
export const PCRE2_DOTALL = 0x00000020;
export const PCRE2_EXTENDED = 0x00000080;
export const PCRE2_MULTILINE = 0x00000400;
export const PCRE2_UNGREEDY = 0x00040000;
export const PCRE2_UTF = 0x00080000;
export const PCRE2_JIT_COMPLETE = 0x1;
export const PCRE2_ERROR_NOMATCH = -1;
const PCRE2_INFO_CAPTURECOUNT = 4;

/** Suricata's defaults (suricata.yaml pcre.match-limit / match-limit-recursion). */
export const DEFAULT_MATCH_LIMIT = 3500;
export const DEFAULT_DEPTH_LIMIT = 1500;

koffi.opaque('pcre2_code_8');
koffi.opaque('pcre2_match_data_8');
koffi.pointer('pcre2_code_ptr', 'pcre2_code_8');
koffi.pointer('pcre2_md_ptr', 'pcre2_match_data_8');

interface Api {
  compile: KoffiFunction;
  jit: KoffiFunction;
  mdCreate: KoffiFunction;
  mdFree: KoffiFunction;
  codeFree: KoffiFunction;
  errorMessage: KoffiFunction;
  info: KoffiFunction;
  match: KoffiFunction;
}

let api: Api | null = null;

function load(): Api {
  if (api) return api;
  const lib = loadLibrary('libpcre2-8.so.0', 'install the Debian package libpcre2-8-0');
  const shim = loadShim();
  api = {
    compile: lib.func('pcre2_code_ptr pcre2_compile_8(const uint8_t *pattern, size_t length, uint32_t options, _Out_ int *errcode, _Out_ size_t *erroffset, void *ccontext)'),
    jit: lib.func('int pcre2_jit_compile_8(pcre2_code_ptr code, uint32_t options)'),
    mdCreate: lib.func('pcre2_md_ptr pcre2_match_data_create_from_pattern_8(pcre2_code_ptr code, void *gcontext)'),
    mdFree: lib.func('void pcre2_match_data_free_8(pcre2_md_ptr md)'),
    codeFree: lib.func('void pcre2_code_free_8(pcre2_code_ptr code)'),
    errorMessage: lib.func('int pcre2_get_error_message_8(int errorcode, _Out_ uint8_t *buffer, size_t bufflen)'),
    info: lib.func('int pcre2_pattern_info_8(pcre2_code_ptr code, uint32_t what, _Out_ uint32_t *where)'),
    match: shim.func('int32_t fennec_pcre2_match(pcre2_code_ptr code, pcre2_md_ptr md, const uint8_t *base, uint32_t off, uint32_t len, uint32_t start, uint32_t options, _Out_ uint32_t *ovec, uint32_t pairs)'),
  };
  const setLimits = shim.func('int32_t fennec_pcre2_set_limits(uint32_t match_limit, uint32_t depth_limit)');
  setLimits(DEFAULT_MATCH_LIMIT, DEFAULT_DEPTH_LIMIT);
  return api;
}

/** Applies pcre.match-limit / pcre.match-limit-recursion (process-wide). */
export function setPcreLimits(matchLimit: number, depthLimit: number): void {
  load();
  const shim = loadShim();
  shim.func('int32_t fennec_pcre2_set_limits(uint32_t match_limit, uint32_t depth_limit)')(matchLimit, depthLimit);
}

export class Pcre2CompileError extends Error {
  readonly code = 'FENNEC_ERR_PCRE2_COMPILE';
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

function errorText(a: Api, code: number): string {
  const buf = new Uint8Array(256);
  const n = a.errorMessage(code, buf, buf.length) as number;
  return new TextDecoder().decode(buf.subarray(0, Math.max(0, n)));
}

/** A compiled pattern with its own match data and ovector; not shared across threads. */
export class Pcre2Code {
  /** ovector pairs [start0, end0, start1, end1, ...] of the last successful match. */
  readonly ovector: Uint32Array;
  readonly captureCount: number;
  readonly jit: boolean;
  private readonly fn: KoffiFunction;

  constructor(private code: unknown, private md: unknown, captureCount: number, jit: boolean) {
    this.captureCount = captureCount;
    this.ovector = new Uint32Array((captureCount + 1) * 2);
    this.jit = jit;
    this.fn = load().match;
  }

  /**
   * Matches base[off .. off+len) starting at `start` (relative to off). Returns > 0 on a
   * match (ovector filled, offsets relative to off), -1 no match, other negatives are
   * PCRE2 errors (e.g. -47 match limit exceeded, counted by the caller as no match).
   */
  match(base: Uint8Array, off: number, len: number, start = 0, options = 0): number {
    return this.fn(this.code, this.md, base, off, len, start, options, this.ovector, this.captureCount + 1) as number;
  }

  free(): void {
    const a = load();
    if (this.md !== null) a.mdFree(this.md);
    if (this.code !== null) a.codeFree(this.code);
    this.md = null;
    this.code = null;
  }
}

/** Compiles `pattern` (UTF-8 text; binary bytes written as \xNN) with options and JIT. */
export function compile(pattern: string | Uint8Array, options = 0): Pcre2Code {
  const a = load();
  const bytes = typeof pattern === 'string' ? new TextEncoder().encode(pattern) : pattern;
  const err = [0];
  const erroff = [0];
  const code = a.compile(bytes, bytes.length, options, err, erroff, null);
  if (code === null) throw new Pcre2CompileError(`pcre2_compile: ${errorText(a, err[0])} at offset ${erroff[0]}`, Number(erroff[0]));
  const jit = (a.jit(code, PCRE2_JIT_COMPLETE) as number) === 0;
  const md = a.mdCreate(code, null);
  const cc = [0];
  a.info(code, PCRE2_INFO_CAPTURECOUNT, cc);
  return new Pcre2Code(code, md, cc[0], jit);
}

/**
 * libpcap's filter compiler, used only to turn a `--bpf 'expr'` into classic BPF for
 * SO_ATTACH_FILTER (pcap_open_dead + pcap_compile: no capture handle is opened).
 */
import koffi from 'koffi';
import { loadLibrary, NativeUnavailableError } from './unavailable.js';

let fns: {
  openDead: (linktype: number, snaplen: number) => object | null;
  compile: (p: object, prog: Uint8Array, expr: string, optimize: number, netmask: number) => number;
  geterr: (p: object) => string;
  freecode: (prog: Uint8Array) => void;
  close: (p: object) => void;
} | null = null;

function lib(): NonNullable<typeof fns> {
  if (fns) return fns;
  const l = loadLibrary('libpcap.so.0.8', 'install the Debian package libpcap0.8 (needed for --bpf)');
  fns = {
    openDead: l.func('void *pcap_open_dead(int linktype, int snaplen)') as never,
    compile: l.func('int pcap_compile(void *p, void *prog, const char *expr, int optimize, uint32_t netmask)') as never,
    geterr: l.func('const char *pcap_geterr(void *p)') as never,
    freecode: l.func('void pcap_freecode(void *prog)') as never,
    close: l.func('void pcap_close(void *p)') as never,
  };
  return fns;
}

/**
 * Compile `expr` for `linktype` and hand the program to `use(fprog)`, where fprog is a
 * 16-byte struct sock_fprog {u16 len; struct sock_filter *filter} pointing at libpcap's
 * instructions. The kernel copies the program inside setsockopt, so the instructions are
 * freed when `use` returns. Throws a NativeUnavailableError with libpcap's message on a bad
 * expression (at startup only).
 */
export function withCompiledFilter<T>(expr: string, linktype: number, snaplen: number, use: (fprog: Uint8Array, insns: number) => T): T {
  const f = lib();
  const p = f.openDead(linktype, snaplen);
  if (p === null) throw new NativeUnavailableError('libpcap', 'pcap_open_dead failed', 'check the libpcap0.8 install');
  const prog = new Uint8Array(16); // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }
  try {
    if (f.compile(p, prog, expr, 1, 0xffffffff) !== 0) {
      throw new NativeUnavailableError(`BPF filter '${expr}'`, f.geterr(p), 'fix the --bpf expression (pcap-filter(7) syntax)', 'config');
    }
    const dv = new DataView(prog.buffer);
    const len = dv.getUint32(0, true);
    const fprog = new Uint8Array(16);
    const fv = new DataView(fprog.buffer);
    fv.setUint16(0, len, true);
    fv.setBigUint64(8, dv.getBigUint64(8, true), true);
    try {
      return use(fprog, len);
    } finally {
      f.freecode(prog);
    }
  } finally {
    f.close(p);
  }
}

/** The program as text lines "{ code, jt, jf, k }" (for tests / --bpf-dump). */
export function dumpFilter(expr: string, linktype: number, snaplen: number): number[][] {
  return withCompiledFilter(expr, linktype, snaplen, (fprog, n) => {
    const ptr = new DataView(fprog.buffer).getBigUint64(8, true);
    const insns = new Uint8Array(koffi.view(koffi.as(ptr as never, 'void *') as never, n * 8).slice(0));
    const dv = new DataView(insns.buffer);
    const out: number[][] = [];
    for (let i = 0; i < n; i++) out.push([dv.getUint16(i * 8, true), insns[i * 8 + 2], insns[i * 8 + 3], dv.getUint32(i * 8 + 4, true)]);
    return out;
  });
}

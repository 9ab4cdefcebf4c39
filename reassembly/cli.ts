/**
 * `fennec reassemble PCAP --out DIR [--policy NAME] [--depth BYTES] [--immediate]`
 *
 * Writes each direction of every TCP session to its own file, like tcpflow, named from the
 * session start and the 5-tuple: `<start_us>-<src>.<sport>-<dst>.<dport>` (client to server)
 * and the reverse tuple for server to client; IPv6 colons become '_'. Gaps are written as
 * zero bytes of the gap's length and listed in the index. `index.json` lists every session:
 * addresses, ports, start, per-direction file, bytes, gaps (offset, length) and stream events.
 */
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFiles } from '../sensor/capture/file.js';
import { Pipeline } from '../sensor/pipeline.js';
import { DEFAULT_FLOW_CONFIG } from '../sensor/flow/config.js';
import { formatAddr } from '../sensor/flow/addr.js';
import type { FlowTable } from '../sensor/flow/table.js';
import { ReassemblyStage } from './stage.js';
import { STREAM_POLICY_NAMES, type StreamPolicyName } from './policies.js';
import type { StreamConsumer, TcpReassembler } from './tcp.js';

const HELP = `Usage: fennec reassemble PCAP [PCAP ...] --out DIR [options]

Write each direction of every TCP session to its own file (like tcpflow) plus DIR/index.json.

Options:
  --out DIR          output directory (created)
  --policy NAME      overlap policy for every session: ${STREAM_POLICY_NAMES.join(', ')} (default bsd)
  --depth BYTES      reassembly depth per direction, 0 = unlimited (default 0 here)
  --immediate        deliver data on arrival instead of when ACKed
  --no-midstream     ignore sessions whose handshake was not captured
  -h, --help         this help`;

export interface StreamIndexEntry {
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  start_us: number;
  file_toserver: string;
  file_toclient: string;
  bytes_toserver: number;
  bytes_toclient: number;
  gaps_toserver: Array<[number, number]>;
  gaps_toclient: Array<[number, number]>;
  events: string[];
  tcp_state: string;
}

const FLUSH_AT = 256 * 1024;

/** Collects delivered bytes per session direction and writes files; returns the index. */
export class FileWriterConsumer implements StreamConsumer {
  readonly index: StreamIndexEntry[] = [];
  private readonly open = new Map<number, { entry: StreamIndexEntry; buf: [Buffer[], Buffer[]]; pending: [number, number] }>();
  tcp!: TcpReassembler;
  constructor(private readonly flows: FlowTable, private readonly dir: string) {}

  private session(flow: number) {
    let s = this.open.get(flow);
    if (s) return s;
    const f = this.flows;
    const v4 = f.ipv[flow] === 4;
    const src = formatAddr(f.addr, flow * 8, v4);
    const dst = formatAddr(f.addr, flow * 8 + 4, v4);
    const start = f.firstUs[flow]!;
    const safe = (a: string) => a.replace(/:/g, '_');
    let base = `${start}-${safe(src)}.${f.sport[flow]}-${safe(dst)}.${f.dport[flow]}`;
    for (let k = 1; existsSync(join(this.dir, base)); k++) base = `${start}-${safe(src)}.${f.sport[flow]}-${safe(dst)}.${f.dport[flow]}~${k}`;
    const entry: StreamIndexEntry = {
      src_ip: src, src_port: f.sport[flow]!, dest_ip: dst, dest_port: f.dport[flow]!, start_us: start,
      file_toserver: base,
      file_toclient: base.replace(`${safe(src)}.${f.sport[flow]}-${safe(dst)}.${f.dport[flow]}`, `${safe(dst)}.${f.dport[flow]}-${safe(src)}.${f.sport[flow]}`),
      bytes_toserver: 0, bytes_toclient: 0, gaps_toserver: [], gaps_toclient: [], events: [], tcp_state: '',
    };
    writeFileSync(join(this.dir, entry.file_toserver), '');
    writeFileSync(join(this.dir, entry.file_toclient), '');
    s = { entry, buf: [[], []], pending: [0, 0] };
    this.open.set(flow, s);
    return s;
  }

  private push(flow: number, toServer: boolean, b: Buffer): void {
    const s = this.session(flow);
    const d = toServer ? 0 : 1;
    s.buf[d].push(b);
    s.pending[d] += b.length;
    if (s.pending[d] >= FLUSH_AT) this.flushDir(s, d);
  }

  private flushDir(s: { entry: StreamIndexEntry; buf: [Buffer[], Buffer[]]; pending: [number, number] }, d: 0 | 1): void {
    if (s.buf[d].length === 0) return;
    appendFileSync(join(this.dir, d === 0 ? s.entry.file_toserver : s.entry.file_toclient), Buffer.concat(s.buf[d]));
    s.buf[d] = [];
    s.pending[d] = 0;
  }

  onData(flow: number, toServer: boolean, bytes: Uint8Array, off: number, len: number): void {
    this.push(flow, toServer, Buffer.from(bytes.subarray(off, off + len)));
  }

  onGap(flow: number, toServer: boolean, so: number, len: number): void {
    const s = this.session(flow);
    (toServer ? s.entry.gaps_toserver : s.entry.gaps_toclient).push([so, len]);
    this.push(flow, toServer, Buffer.alloc(len));
  }

  onClose(): void {}

  onSessionEnd(flow: number): void {
    const s = this.session(flow);
    this.flushDir(s, 0);
    this.flushDir(s, 1);
    s.entry.bytes_toserver = this.tcp.reassembledBytes(flow, true);
    s.entry.bytes_toclient = this.tcp.reassembledBytes(flow, false);
    s.entry.events = this.tcp.eventSet(flow);
    s.entry.tcp_state = this.tcp.stateName(flow);
    this.index.push(s.entry);
    this.open.delete(flow);
  }
}

export interface ReassembleOptions {
  policy?: StreamPolicyName;
  depth?: number;
  immediate?: boolean;
  midstream?: boolean;
}

/** Run a capture through decode → flow → reassembly into `out`. Returns the index and engine stats. */
export function reassembleFiles(pcaps: string[], out: string, o: ReassembleOptions = {}): { index: StreamIndexEntry[]; stats: Record<string, number>; error: string | null } {
  mkdirSync(out, { recursive: true });
  const pipe = new Pipeline({ flow: { ...DEFAULT_FLOW_CONFIG }, defrag: {} }, () => {});
  const consumer = new FileWriterConsumer(pipe.flows, out);
  const stage = new ReassemblyStage(pipe.flows, {
    policy: o.policy ?? 'bsd', depth: o.depth ?? 0, immediate: o.immediate ?? false, midstream: o.midstream ?? true,
    memcap: 256 * 1024 * 1024,
  }, consumer);
  consumer.tcp = stage.tcp;
  pipe.addStage(stage);
  const src = openCaptureFiles(pcaps);
  while (!src.done) {
    const b = src.next(0);
    if (b === null) continue;
    pipe.processBatch(b);
    src.release(b);
  }
  pipe.finish();
  consumer.index.sort((a, b) => a.start_us - b.start_us || a.file_toserver.localeCompare(b.file_toserver));
  writeFileSync(join(out, 'index.json'), JSON.stringify({ sessions: consumer.index, stats: stage.tcp.stats() }, null, 1));
  return { index: consumer.index, stats: stage.tcp.stats(), error: src.error };
}

export async function reassembleCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        policy: { type: 'string' },
        depth: { type: 'string' },
        immediate: { type: 'boolean' },
        'no-midstream': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`fennec reassemble: ${(e as Error).message}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (parsed.positionals.length === 0 || !v.out) {
    process.stderr.write('fennec reassemble: need a PCAP and --out DIR (see --help)\n');
    return 2;
  }
  if (v.policy !== undefined && !(STREAM_POLICY_NAMES as readonly string[]).includes(v.policy)) {
    process.stderr.write(`fennec reassemble: unknown --policy "${v.policy}" (one of ${STREAM_POLICY_NAMES.join(', ')})\n`);
    return 2;
  }
  const depth = v.depth === undefined ? 0 : Number(v.depth);
  if (!Number.isInteger(depth) || depth < 0) {
    process.stderr.write(`fennec reassemble: --depth must be a non-negative integer\n`);
    return 2;
  }
  let res;
  try {
    res = reassembleFiles(parsed.positionals, v.out, {
      policy: v.policy as StreamPolicyName | undefined, depth, immediate: v.immediate === true, midstream: v['no-midstream'] !== true,
    });
  } catch (e) {
    process.stderr.write(`fennec reassemble: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  process.stdout.write(`${res.index.length} TCP sessions, ${res.stats['tcp.reassembled_bytes']} bytes reassembled, ${res.stats['tcp.reassembly_gap']} gaps -> ${v.out}\n`);
  if (res.error) {
    process.stderr.write(`fennec reassemble: ${res.error}\n`);
    return 1;
  }
  return 0;
}

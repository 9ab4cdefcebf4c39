/** tshark `follow,tcp,raw` as the oracle: per stream, the bytes each node sent. */
import { spawnSync } from 'node:child_process';

/** tshark output even when it exits non-zero (a truncated capture still yields its packets). */
function run(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 30 });
  return r.stdout ?? '';
}

export interface FollowStream {
  index: number;
  node0: string; // "addr:port"
  node1: string;
  /** bytes sent by node 0 / node 1 */
  data0: Buffer;
  data1: Buffer;
}

function streamIds(pcap: string): number[] {
  const out = run(['-r', pcap, '-Y', 'tcp', '-T', 'fields', '-e', 'tcp.stream']);
  const ids = new Set<number>();
  for (const l of out.split('\n')) if (l.trim() !== '') ids.add(Number(l.trim().split(',')[0]));
  return [...ids].sort((a, b) => a - b);
}

export function tsharkFollow(pcap: string): FollowStream[] {
  const ids = streamIds(pcap);
  const res: FollowStream[] = [];
  for (let i = 0; i < ids.length; i += 40) {
    const args = ['-r', pcap, '-q'];
    for (const id of ids.slice(i, i + 40)) args.push('-z', `follow,tcp,raw,${id}`);
    const out = run(args);
    let cur: { index: number; node0: string; node1: string; h0: string[]; h1: string[] } | null = null;
    for (const line of out.split('\n')) {
      if (line.startsWith('Filter: tcp.stream eq ')) {
        if (cur) res.push(fin(cur));
        cur = { index: Number(line.slice(22)), node0: '', node1: '', h0: [], h1: [] };
      } else if (!cur) continue;
      else if (line.startsWith('Node 0: ')) cur.node0 = line.slice(8);
      else if (line.startsWith('Node 1: ')) cur.node1 = line.slice(8);
      else if (line.startsWith('=====') || line.startsWith('Follow:') || line.trim() === '') continue;
      else if (line.startsWith('\t')) cur.h1.push(line.trim());
      else cur.h0.push(line.trim());
    }
    if (cur) res.push(fin(cur));
  }
  return res;
}

function fin(c: { index: number; node0: string; node1: string; h0: string[]; h1: string[] }): FollowStream {
  return { index: c.index, node0: c.node0, node1: c.node1, data0: Buffer.from(c.h0.join(''), 'hex'), data1: Buffer.from(c.h1.join(''), 'hex') };
}

/**
 * Our delivered bytes with each gap rendered the way tshark's follow,raw renders missing
 * bytes: the text "[N bytes missing in capture file]" and a NUL, instead of N bytes.
 */
export function withTsharkGapMarkers(buf: Buffer, gaps: Array<[number, number]>): Buffer {
  if (gaps.length === 0) return buf;
  const parts: Buffer[] = [];
  let o = 0;
  for (const [g, l] of gaps) {
    parts.push(buf.subarray(o, g), Buffer.from(`[${l} bytes missing in capture file]\0`, 'latin1'));
    o = g + l;
  }
  parts.push(buf.subarray(o));
  return Buffer.concat(parts);
}

/** "addr:port" as tshark prints it (IPv6 in brackets) → [addr, port]. */
export function splitNode(n: string): [string, number] {
  const i = n.lastIndexOf(':');
  return [n.slice(0, i).replace(/^\[|\]$/g, ''), Number(n.slice(i + 1))];
}

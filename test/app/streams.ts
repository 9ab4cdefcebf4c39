/**
 * Test helpers: TCP streams from a pcap via tshark's `follow,tcp,raw` (the oracle's own
 * reassembly; node 0 = the side that sent the first packet = client), UDP payloads via
 * `-e udp.payload`.
 */
import { execFileSync } from 'node:child_process';

export interface Chunk { toServer: boolean; bytes: Uint8Array }
export interface Stream { index: number; clientPort: number; serverPort: number; chunks: Chunk[] }

export function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}

export function tcpStreams(pcap: string, limit = 200): Stream[] {
  const ids = [...new Set(tshark(['-r', pcap, '-Y', 'tcp', '-T', 'fields', '-e', 'tcp.stream']).split('\n').filter(Boolean).map(Number))].slice(0, limit);
  if (!ids.length) return [];
  const args = ['-r', pcap, '-q'];
  for (const i of ids) args.push('-z', `follow,tcp,raw,${i}`);
  const out = tshark(args);
  const streams: Stream[] = [];
  let cur: Stream | null = null;
  for (const line of out.split('\n')) {
    const f = /^Filter: tcp\.stream eq (\d+)/.exec(line);
    if (f) { cur = { index: Number(f[1]), clientPort: 0, serverPort: 0, chunks: [] }; streams.push(cur); continue; }
    if (!cur) continue;
    const n = /^Node ([01]): .*:(\d+)$/.exec(line);
    if (n) { if (n[1] === '0') cur.clientPort = Number(n[2]); else cur.serverPort = Number(n[2]); continue; }
    if (line.startsWith('===') || line.startsWith('Follow:') || line.trim() === '') continue;
    const toServer = !line.startsWith('\t');
    const hex = line.trim();
    if (!/^[0-9a-f]+$/.test(hex)) continue;
    cur.chunks.push({ toServer, bytes: Buffer.from(hex, 'hex') });
  }
  return streams;
}

export interface Datagram { stream: number; sport: number; dport: number; bytes: Uint8Array }

export function udpDatagrams(pcap: string, filter = 'udp'): Datagram[] {
  return tshark(['-r', pcap, '-Y', filter, '-T', 'fields', '-e', 'udp.stream', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload'])
    .split('\n').filter(Boolean).map((l) => {
      const [s, sp, dp, hex] = l.split('\t');
      return { stream: Number(s), sport: Number(sp), dport: Number(dp), bytes: Buffer.from((hex ?? '').replace(/:/g, ''), 'hex') };
    });
}

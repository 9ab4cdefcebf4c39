/**
 * Test helpers: real payload bytes out of the suricata-verify captures, extracted by the
 * tshark oracle (not by Fennec's own decoder, so a decoder bug cannot hide a matcher bug).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from '../helpers/paths.js';

export const SV = SHARED + '/corpus/suricata-verify';
export const ET_OPEN = SHARED + '/rules/et-open';

export interface OraclePacket {
  frame: number;
  proto: 'tcp' | 'udp';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
}

/** Payload-bearing TCP/UDP packets of a capture, in capture order, per tshark. */
export function payloadPackets(pcap: string): OraclePacket[] {
  if (!existsSync(pcap)) throw new Error(`missing fixture ${pcap}`);
  const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|',
    '-e', 'frame.number', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport',
    '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'tcp.payload', '-e', 'udp.payload',
    '-o', 'tcp.desegment_tcp_streams:FALSE'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const pkts: OraclePacket[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [frame, src, dst, tsp, tdp, usp, udp, tpay, upay] = line.split('|');
    const hex = (tpay || upay || '').replace(/:/g, '');
    if (!hex) continue;
    pkts.push({
      frame: Number(frame), proto: tpay ? 'tcp' : 'udp', src, dst,
      sport: Number(tsp || usp), dport: Number(tdp || udp),
      payload: Uint8Array.from(Buffer.from(hex, 'hex')),
    });
  }
  return pkts;
}

export function svCase(name: string): string {
  return join(SV, name);
}

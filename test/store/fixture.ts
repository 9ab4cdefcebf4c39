/**
 * Test fixture: FlowRecords built from REAL pcaps with tshark as the decoder, so store and API
 * tests run on real addresses, ports, VLANs, IPv6, ICMP and timings (the flow engine is
 * another stage; these records are what a flow table would emit for the same packets,
 * aggregated by 5-tuple here, bidirectionally, first packet's sender = src).
 *
 * Community ID v1 is computed per the spec (corelight/community-id-spec) for TCP/UDP;
 * ICMP uses type/code as ports without the spec's request/reply type pairing.
 * The pcaps are from 1999–2021 (retention counts from storage time, so the default ttlDays keeps them).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { basename } from 'node:path';
import type { FlowRecord } from '../../sensor/flow/record.js';
import { SHARED } from '../helpers/paths.js';

export const SEEDS = SHARED + '/bench/seeds';
export const FIXTURE_PCAPS = ['vlan-dns.pcap', 'ipv6-icmp6.pcap', 'http-bro-org.pcap', 'ftp-ipv6.pcap', 'udp-ntp.pcap', 'tunnel-gre.pcap',
  'ssh-bruteforce.pcap', 'vlan-http-wikipedia.pcap', 'dns-bug1158.pcap', 'smtp-sessions.pcap', 'udp-snmp.pcap'];

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

export function communityId(saddr: string, daddr: string, proto: number, sport: number, dport: number): string {
  let a = ipBytes(saddr), b = ipBytes(daddr), pa = sport, pb = dport;
  const c = Buffer.compare(a, b);
  if (c > 0 || (c === 0 && pa > pb)) [a, b, pa, pb] = [b, a, pb, pa];
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(pa, 0);
  ports.writeUInt16BE(pb, 2);
  const h = createHash('sha1').update(Buffer.from([0, 0])).update(a).update(b).update(Buffer.from([proto, 0])).update(ports);
  return `1:${h.digest('base64')}`;
}

function last(field: string): string {
  const parts = field.split(',');
  return parts[parts.length - 1] ?? '';
}

interface Acc {
  r: FlowRecord;
  fin: boolean;
  rst: boolean;
}

/** Aggregate one pcap into FlowRecords (sorted by start). */
export function flowsFromPcap(file: string): FlowRecord[] {
  const out = execFileSync('tshark', ['-r', `${SEEDS}/${file}`, '-T', 'fields', '-E', 'separator=|',
    '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'vlan.id', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst',
    '-e', 'ip.proto', '-e', 'ipv6.nxt', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'udp.dstport',
    '-e', 'tcp.flags', '-e', 'icmp.type', '-e', 'icmp.code', '-e', 'icmpv6.type', '-e', 'icmpv6.code', '-e', 'tcp.len', '-e', 'udp.length'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const flows = new Map<string, Acc>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const f = line.split('|');
    const v4 = f[3] !== '';
    const src = last(v4 ? f[3]! : f[5]!), dst = last(v4 ? f[4]! : f[6]!);
    if (src === '' || dst === '') continue;
    const proto = Number(last(v4 ? f[7]! : f[8]!));
    const tcp = f[9] !== '', udp = f[11] !== '';
    const icmpType = f[14] !== '' ? Number(last(f[14]!)) : f[16] !== '' ? Number(last(f[16]!)) : -1;
    const icmpCode = f[15] !== '' ? Number(last(f[15]!)) : f[17] !== '' ? Number(last(f[17]!)) : -1;
    const sport = tcp ? Number(last(f[9]!)) : udp ? Number(last(f[11]!)) : 0;
    const dport = tcp ? Number(last(f[10]!)) : udp ? Number(last(f[12]!)) : 0;
    const us = Math.round(Number(f[0]) * 1e6);
    const len = Number(f[1]);
    const payload = tcp ? Number(last(f[18]!)) : udp ? Math.max(0, Number(last(f[19]!)) - 8) : 0;
    const flags = tcp ? parseInt(last(f[13]!), 16) & 0xff : 0;
    const kf = `${proto}|${src}|${sport}|${dst}|${dport}`, kr = `${proto}|${dst}|${dport}|${src}|${sport}`;
    let acc = flows.get(kf);
    let toServer = true;
    if (acc === undefined) {
      acc = flows.get(kr);
      toServer = false;
    }
    if (acc === undefined) {
      toServer = true;
      const vlan = f[2] !== '' ? f[2]!.split(',').map(Number) : [];
      const key = kf;
      const flowId = (BigInt('0x' + createHash('sha1').update(`${key}|${us}`).digest('hex').slice(0, 16)) >> 1n).toString();
      acc = {
        fin: false, rst: false,
        r: {
          flow_id: flowId, community_id: communityId(src, dst, proto, tcp || udp ? sport : icmpType & 0xff, tcp || udp ? dport : icmpCode & 0xff),
          src_ip: src, src_port: sport, dest_ip: dst, dest_port: dport, proto, app_proto: '', vlan, in_iface: basename(file),
          tunnel_depth: f[3]!.includes(',') || f[5]!.includes(',') ? 1 : 0,
          pkts_toserver: 0, pkts_toclient: 0, bytes_toserver: 0, bytes_toclient: 0, payload_bytes_toserver: 0, payload_bytes_toclient: 0,
          start_us: us, end_us: us, state: 'new', reason: 'timeout', tcp_flags: 0, tcp_flags_ts: 0, tcp_flags_tc: 0,
          tcp_state: '', conn_state: '', history: '', icmp_type: icmpType, icmp_code: icmpCode, response_icmp_type: -1,
          response_icmp_code: -1, alerted: 0,
          reassembled_bytes_toserver: 0, reassembled_bytes_toclient: 0, gaps_toserver: 0, gaps_toclient: 0, stream_events: [],
        },
      };
      flows.set(kf, acc);
    }
    const r = acc.r;
    if (toServer) {
      r.pkts_toserver++; r.bytes_toserver += len; r.payload_bytes_toserver += payload; r.tcp_flags_ts |= flags;
    } else {
      r.pkts_toclient++; r.bytes_toclient += len; r.payload_bytes_toclient += payload; r.tcp_flags_tc |= flags;
      if (r.response_icmp_type === -1 && icmpType !== -1) { r.response_icmp_type = icmpType; r.response_icmp_code = icmpCode; }
    }
    r.tcp_flags |= flags;
    if (flags & 0x01) acc.fin = true;
    if (flags & 0x04) acc.rst = true;
    if (us < r.start_us) r.start_us = us;
    if (us > r.end_us) r.end_us = us;
  }
  const res: FlowRecord[] = [];
  for (const { r, fin, rst } of flows.values()) {
    if (r.pkts_toclient > 0) r.state = 'established';
    if (r.proto === 6) {
      r.state = fin || rst ? 'closed' : r.state;
      r.reason = rst ? 'rst' : fin ? 'fin' : 'timeout';
      r.tcp_state = fin || rst ? 'closed' : 'established';
      r.conn_state = fin ? 'SF' : rst ? 'RSTO' : 'S1';
      r.history = 'ShAD';
    }
    res.push(r);
  }
  return res.sort((a, b) => a.start_us - b.start_us);
}

export function fixtureFlows(): FlowRecord[] {
  return FIXTURE_PCAPS.flatMap(flowsFromPcap);
}

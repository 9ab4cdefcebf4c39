/**
 * Per-frame decode vs tshark: for every capture in the shared corpus and bench seeds, the
 * IPv4/IPv6 addresses of every IP layer (tunnels included), and the TCP/UDP ports, equal
 * tshark's `-T fields` output frame by frame.
 *
 * Documented differences (asserted, not skipped):
 * - ICMP errors quote the offending packet's IP and transport headers; tshark lists those
 *   quoted addresses/ports as extra occurrences. We do not decode quoted headers as a layer
 *   (Suricata does not either): tshark's extra trailing occurrences are accepted only on
 *   frames whose ICMP/ICMPv6 type is an error (3, 4, 5, 11, 12 / 1-4).
 * - tshark reassembles IP fragments and shows the transport ports on the frame that
 *   completes the datagram; so do we (the defragmenter's output is decoded on that frame).
 * - An IP datagram longer than its (complete, not snap-length-cut) frame is malformed:
 *   Suricata raises decoder.ipv4.trunc_pkt / decoder.ipv6.trunc_pkt and drops it from flow
 *   tracking, and so do we; tshark dissects what is there and flags the expert error
 *   "total length exceeds packet length". Such frames are accepted only when both happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { findCaptures, pool, tsharkFields, SHARED } from '../capture/oracle.js';
import { decodeLayersOf } from '../helpers/layers.js';

const FIELDS = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmpv6.type', '_ws.expert.message'];
const files = [...findCaptures(path.join(SHARED, 'corpus')), ...findCaptures(path.join(SHARED, 'bench/seeds'))];

const list = (s: string | undefined) => (s ? s.split(',') : []);
const ICMP4_ERR = new Set(['3', '4', '5', '11', '12']);
const ICMP6_ERR = new Set(['1', '2', '3', '4']);

/** Is ours a prefix of tshark's, with any extra occurrences explained by an ICMP error? */
function agrees(ours: string[], theirs: string[], icmpError: boolean): boolean {
  if (ours.length > theirs.length) return false;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) return false;
  return ours.length === theirs.length || icmpError;
}

/** tshark prints IPv6 addresses in its own canonical form; normalise both sides. */
function norm6(a: string): string {
  return a.toLowerCase();
}

test(`decode agrees with tshark on ${files.length} captures (addresses, ports, every IP layer)`, async () => {
  assert.ok(files.length > 100, 'corpus and seeds present');
  let frames = 0, layers = 0, quoted = 0, truncated = 0;
  const problems: string[] = [];
  await pool(files, 2, async (file) => {
    const rows = await tsharkFields(file, FIELDS, ['-o', 'tcp.desegment_tcp_streams:FALSE']);
    const { frames: ours, events } = decodeLayersOf(file);
    const n = Math.min(rows.length, ours.length);
    if (rows.length !== ours.length && !rows.damage) problems.push(`${path.basename(file)}: ${ours.length} frames, tshark ${rows.length}`);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      const l = ours[i] ?? [];
      frames++;
      layers += l.length;
      const ev = events[i] ?? [];
      if ((ev.includes('decoder.ipv4.trunc_pkt') || ev.includes('decoder.ipv6.trunc_pkt')) && /exceeds packet length|length .* exceeds|bogus/i.test(r[10] ?? '')) {
        truncated++;
        continue;
      }
      const icmpErr = list(r[8]).some((t) => ICMP4_ERR.has(t)) || list(r[9]).some((t) => ICMP6_ERR.has(t));
      const v4 = l.filter((x) => x.v === 4), v6 = l.filter((x) => x.v === 6);
      const tcp = l.filter((x) => x.proto === 6 && !x.fragment), udp = l.filter((x) => x.proto === 17 && !x.fragment);
      const checks: [string, string[], string[]][] = [
        ['ip.src', v4.map((x) => x.src), list(r[0])],
        ['ip.dst', v4.map((x) => x.dst), list(r[1])],
        ['ipv6.src', v6.map((x) => norm6(x.src)), list(r[2]).map(norm6)],
        ['ipv6.dst', v6.map((x) => norm6(x.dst)), list(r[3]).map(norm6)],
        ['tcp.srcport', tcp.map((x) => String(x.sport)), list(r[4])],
        ['tcp.dstport', tcp.map((x) => String(x.dport)), list(r[5])],
        ['udp.srcport', udp.map((x) => String(x.sport)), list(r[6])],
        ['udp.dstport', udp.map((x) => String(x.dport)), list(r[7])],
      ];
      for (const [name, a, b] of checks) {
        if (!agrees(a, b, icmpErr)) problems.push(`${path.basename(file)} frame ${i + 1} ${name}: ours [${a}] tshark [${b}]`);
        else if (a.length !== b.length) quoted++;
      }
    }
  });
  if (problems.length) console.log(problems.slice(0, 40).join('\n'));
  assert.equal(problems.length, 0, `${problems.length} disagreements (first: ${problems[0]})`);
  console.log(`# ${files.length} captures, ${frames} frames, ${layers} IP layers agree with tshark; ${quoted} ICMP-quoted occurrences; ${truncated} truncated datagrams (malformed for both)`);
});

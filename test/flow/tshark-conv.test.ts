/**
 * Flow records vs tshark's conversation tables (`-z conv,tcp`, `-z conv,udp`) on every
 * capture of the shared corpus and bench seeds: for each TCP and UDP endpoint pair, the
 * frames and bytes in each direction equal tshark's, and so does the set of pairs.
 *
 * Documented differences (asserted where they occur, never skipped):
 * - Flows are aggregated per endpoint pair before comparing: Fennec ends a flow on an idle
 *   timeout, on a new SYN after the session closed (port reuse), and keys tunnelled flows
 *   with their tunnel, so one tshark conversation may be several flow records; the sum of
 *   their packets and bytes must still equal tshark's.
 * - tshark prints byte counts above 9,999 rounded with a unit ("248 kB"); those are compared
 *   at that precision, smaller ones exactly. Frame counts are always exact.
 * - tshark itself may list one endpoint pair as several conversations (a new TCP stream after
 *   a close, a lone frame it keyed differently): its rows are summed per pair as well.
 * - A datagram longer than its complete frame (decoder.ipv4.trunc_pkt) is malformed and not
 *   flow-tracked (Suricata), while tshark counts it: tshark's frames flagged "total length
 *   exceeds packet length" are taken off tshark's side (test/decode checks we flag exactly those).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { findCaptures, pool, SHARED } from '../capture/oracle.js';
import { flowsOf } from '../helpers/layers.js';

interface Conv { a: string; b: string; framesAB: number; bytesAB: string; framesBA: number; bytesBA: string }

/** Both conversation tables in one tshark run. */
function tsharkConvs(file: string): Promise<{ tcp: Conv[]; udp: Conv[] }> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], { maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err && typeof err.code !== 'number') return reject(err);
      const out = { tcp: [] as Conv[], udp: [] as Conv[] };
      let cur: Conv[] | null = null;
      // "A:pa <-> B:pb   framesBA bytesBA-with-unit   framesAB bytesAB ..."
      const re = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+ \S+)\s+(\d+)\s+(\d+ \S+)\s+/;
      for (const line of stdout.split('\n')) {
        if (line.startsWith('TCP Conversations')) cur = out.tcp;
        else if (line.startsWith('UDP Conversations')) cur = out.udp;
        const m = re.exec(line);
        if (!m || !cur) continue;
        cur.push({ a: m[1], b: m[2], framesBA: +m[3], bytesBA: m[4], framesAB: +m[5], bytesAB: m[6] });
      }
      resolve(out);
    });
  });
}

/** tshark endpoint text "addr:port" (IPv6 addresses are not bracketed). */
const ep = (ip: string, port: number) => `${ip}:${port}`;

/** tshark's "N unit" byte text as the interval of exact counts it can stand for (format_size: SI units). */
function bytesRange(theirs: string): [number, number] {
  const [n, unit] = theirs.split(' ');
  if (unit === 'bytes') return [Number(n), Number(n)];
  const scale = unit === 'kB' ? 1e3 : unit === 'MB' ? 1e6 : unit === 'GB' ? 1e9 : NaN;
  return [(Number(n) - 1) * scale, (Number(n) + 1) * scale];
}

/** Frames tshark dissected although the datagram is longer than the frame (we count them as malformed). */
function tsharkTruncated(file: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-n', '-r', file, '-Y', '_ws.expert.message contains "exceeds packet length"', '-T', 'fields',
      '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'udp.dstport', '-e', 'frame.len'],
    { maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve(stdout.split('\n').filter(Boolean).map((l) => l.split('\t')));
    });
  });
}

const files = [...findCaptures(path.join(SHARED, 'corpus')), ...findCaptures(path.join(SHARED, 'bench/seeds'))];

test(`flow records agree with tshark conv,tcp and conv,udp on ${files.length} captures`, async () => {
  let pairs = 0, flows = 0, splits = 0;
  const pairCount = { ours: 0, theirs: 0 };
  const problems: string[] = [];
  await pool(files, 2, async (file) => {
    const name = path.basename(file);
    const [recs, tables, truncated] = await Promise.all([flowsOf([file]), tsharkConvs(file), tsharkTruncated(file)]);
    for (const proto of ['tcp', 'udp'] as const) {
      const pnum = proto === 'tcp' ? 6 : 17;
      const convs = tables[proto];
      const ours = new Map<string, { fAB: number; bAB: number; fBA: number; bBA: number; n: number }>();
      for (const r of recs) {
        if (r.proto !== pnum) continue;
        flows++;
        const s = ep(r.src_ip, r.src_port), d = ep(r.dest_ip, r.dest_port);
        const [a, b, fwd] = s <= d ? [s, d, true] : [d, s, false];
        const k = `${a} ${b}`;
        const e = ours.get(k) ?? { fAB: 0, bAB: 0, fBA: 0, bBA: 0, n: 0 };
        e.n++;
        if (fwd) { e.fAB += r.pkts_toserver; e.bAB += r.bytes_toserver; e.fBA += r.pkts_toclient; e.bBA += r.bytes_toclient; }
        else { e.fBA += r.pkts_toserver; e.bBA += r.bytes_toserver; e.fAB += r.pkts_toclient; e.bAB += r.bytes_toclient; }
        ours.set(k, e);
      }
      const theirs = new Map<string, { fAB: number; fBA: number; bAB: [number, number]; bBA: [number, number] }>();
      const add = (k: string, fwd: boolean, frames: number, bytes: [number, number]) => {
        const t = theirs.get(k) ?? { fAB: 0, fBA: 0, bAB: [0, 0] as [number, number], bBA: [0, 0] as [number, number] };
        if (fwd) { t.fAB += frames; t.bAB[0] += bytes[0]; t.bAB[1] += bytes[1]; }
        else { t.fBA += frames; t.bBA[0] += bytes[0]; t.bBA[1] += bytes[1]; }
        theirs.set(k, t);
      };
      for (const c of convs) {
        pairs++;
        // Orient tshark's row the same way as ours (A = the smaller endpoint text).
        const fwd = c.a <= c.b;
        const k = fwd ? `${c.a} ${c.b}` : `${c.b} ${c.a}`;
        add(k, fwd, c.framesAB, bytesRange(c.bytesAB));
        add(k, !fwd, c.framesBA, bytesRange(c.bytesBA));
      }
      for (const [s4, tsp, usp, d4, tdp, udp, len] of truncated) {
        const sp = proto === 'tcp' ? tsp : usp, dp = proto === 'tcp' ? tdp : udp;
        if (!sp || !dp) continue;
        const s = `${s4}:${sp}`, d = `${d4}:${dp}`;
        const fwd = s <= d;
        add(fwd ? `${s} ${d}` : `${d} ${s}`, fwd, -1, [-Number(len), -Number(len)]);
      }
      for (const [k, t] of theirs) {
        if (t.fAB === 0 && t.fBA === 0) continue;
        const o = ours.get(k);
        if (!o) { problems.push(`${name} ${proto} ${k}: tshark has it (${t.fAB}/${t.fBA} frames), no flow`); continue; }
        if (o.n > 1) splits++;
        const inR = (x: number, r: [number, number]) => x >= r[0] && x <= r[1];
        if (o.fAB !== t.fAB || o.fBA !== t.fBA) problems.push(`${name} ${proto} ${k}: frames ours ${o.fAB}/${o.fBA} tshark ${t.fAB}/${t.fBA}`);
        else if (!inR(o.bAB, t.bAB) || !inR(o.bBA, t.bBA)) problems.push(`${name} ${proto} ${k}: bytes ours ${o.bAB}/${o.bBA} tshark ${t.bAB}/${t.bBA}`);
      }
      const seen = theirs;
      for (const k of ours.keys()) if (!seen.has(k)) problems.push(`${name} ${proto} ${k}: flow without a tshark conversation`);
      pairCount.ours += ours.size;
      pairCount.theirs += [...theirs.values()].filter((t) => t.fAB !== 0 || t.fBA !== 0).length;
    }
  });
  if (problems.length) console.log(problems.slice(0, 60).join('\n'));
  assert.equal(problems.length, 0, `${problems.length} disagreements (first: ${problems[0]})`);
  assert.equal(pairCount.ours, pairCount.theirs);
  console.log(`# ${files.length} captures: ${pairs} tshark conversation rows on ${pairCount.theirs} endpoint pairs = our ${flows} TCP/UDP flow records on ${pairCount.ours} pairs (${splits} pairs are several records: timeout/reuse/tunnel)`);
});

/**
 * Shared body of the oracle tests: run a capture through `reassembleFiles` (decode → flow →
 * reassembly, default config: acked delivery, bsd policy, no depth) and compare every TCP
 * session with tshark's `follow,tcp,raw`. Sessions are grouped by their address/port pair
 * (tshark keeps a reused port pair in one stream where our flow table starts a new flow after
 * a RST/FIN, so both sides are compared as the concatenation in time order).
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { reassembleFiles, type StreamIndexEntry } from '../../reassembly/cli.js';
import { tsharkFollow, withTsharkGapMarkers, splitNode } from './oracle.js';

export interface Mismatch {
  pcap: string;
  tuple: string;
  ours: [number, number];
  tshark: [number, number];
  events: string[];
  /** Our bytes are a prefix of tshark's in both directions (tshark shows more). */
  prefix: boolean;
}

export interface OracleResult {
  sessions: number;
  equal: number;
  mismatches: Mismatch[];
  /** Documented disagreements that matched their documented shape. */
  explained: string[];
}

/** RST payloads per "addr:port" sender, from tshark (for the RST-with-data disagreement). */
function rstPayloads(pcap: string): Map<string, Buffer[]> {
  const r = spawnSync('tshark', ['-r', pcap, '-Y', 'tcp.flags.reset==1 && tcp.len>0', '-T', 'fields', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'tcp.reset_cause'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  const m = new Map<string, Buffer[]>();
  for (const line of (r.stdout ?? '').split('\n')) {
    const [a4, a6, port, hex] = line.split('\t');
    if (!hex) continue;
    const k = `${a4 || a6}:${port}`;
    if (!m.has(k)) m.set(k, []);
    // tshark shows a RST's payload as the text field tcp.reset_cause.
    m.get(k)!.push(Buffer.from(hex, 'latin1'));
  }
  return m;
}

function removeOnce(buf: Buffer, part: Buffer): Buffer {
  const i = buf.lastIndexOf(part);
  return i < 0 ? buf : Buffer.from(Buffer.concat([buf.subarray(0, i), buf.subarray(i + part.length)]));
}

export function checkPcap(pcap: string): OracleResult {
  const out = mkdtempSync(join(tmpdir(), 'fennec-ra-'));
  try {
    const r = reassembleFiles([pcap], out, {});
    const ts = tsharkFollow(pcap);
    const rst = rstPayloads(pcap);
    const res: OracleResult = { sessions: 0, equal: 0, mismatches: [], explained: [] };
    // Our sessions by unordered tuple.
    const ours = new Map<string, StreamIndexEntry[]>();
    const key = (a: string, ap: number, b: string, bp: number) => (`${a}|${ap}` < `${b}|${bp}` ? `${a}|${ap}|${b}|${bp}` : `${b}|${bp}|${a}|${ap}`);
    for (const e of r.index) {
      const k = key(e.src_ip, e.src_port, e.dest_ip, e.dest_port);
      if (!ours.has(k)) ours.set(k, []);
      ours.get(k)!.push(e);
    }
    const theirs = new Map<string, { a: string; ap: number; d0: Buffer[]; d1: Buffer[] }>();
    for (const t of ts) {
      const [a0, p0] = splitNode(t.node0);
      const [a1, p1] = splitNode(t.node1);
      const k = key(a0, p0, a1, p1);
      if (!theirs.has(k)) theirs.set(k, { a: a0, ap: p0, d0: [], d1: [] });
      const g = theirs.get(k)!;
      const same = g.a === a0 && g.ap === p0;
      g.d0.push(same ? t.data0 : t.data1);
      g.d1.push(same ? t.data1 : t.data0);
    }
    for (const [k, g] of theirs) {
      res.sessions++;
      let w0: Buffer = Buffer.concat(g.d0);
      let w1: Buffer = Buffer.concat(g.d1);
      const mine = ours.get(k) ?? [];
      const sent = (fromA: boolean) => Buffer.concat(mine.map((e) => {
        const aIsClient = e.src_ip === g.a && e.src_port === g.ap;
        const toServer = aIsClient === fromA;
        const buf = readFileSync(join(out, toServer ? e.file_toserver : e.file_toclient));
        return withTsharkGapMarkers(buf, toServer ? e.gaps_toserver : e.gaps_toclient);
      }));
      const o0 = sent(true);
      const o1 = sent(false);
      if (o0.equals(w0) && o1.equals(w1)) {
        res.equal++;
        continue;
      }
      // Documented disagreement 1: a RST carrying data. tshark appends the RST's payload to the
      // stream; an endpoint never passes it to the application (RFC 1122 4.2.2.12: the data
      // of a RST is diagnostic; RFC 9293 3.5.2), so we don't. Compare without it.
      const [x, xp, y, yp] = k.split('|') as [string, string, string, string];
      const bKey = x === g.a && xp === String(g.ap) ? `${y}:${yp}` : `${x}:${xp}`;
      const ra = rst.get(`${g.a}:${g.ap}`);
      const rb = rst.get(bKey);
      if (ra || rb) {
        for (const p of ra ?? []) w0 = removeOnce(w0, p);
        for (const p of rb ?? []) w1 = removeOnce(w1, p);
        if (o0.equals(w0) && o1.equals(w1)) {
          res.explained.push(`${pcap}: ${k}: RST payload not stream data`);
          continue;
        }
      }
      const prefix = w0.subarray(0, o0.length).equals(o0) && w1.subarray(0, o1.length).equals(o1);
      res.mismatches.push({ pcap, tuple: k, ours: [o0.length, o1.length], tshark: [w0.length, w1.length], events: mine.flatMap((e) => e.events), prefix });
    }
    return res;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Compare every TCP session of `pcaps` with tshark. A mismatch counts as equal only when the
 * `documented` predicate for its capture (matched by path suffix) accepts it; the rest are
 * returned as unexplained.
 */
export function checkAll(pcaps: string[], documented: Record<string, (m: Mismatch) => boolean>): { sessions: number; equal: number; unexplained: Mismatch[] } {
  let sessions = 0;
  let equal = 0;
  const unexplained: Mismatch[] = [];
  for (const p of pcaps) {
    const r = checkPcap(p);
    sessions += r.sessions;
    equal += r.equal + r.explained.length;
    for (const m of r.mismatches) {
      const doc = Object.entries(documented).find(([k]) => p.endsWith(k));
      if (doc && doc[1](m)) equal++;
      else unexplained.push(m);
    }
  }
  return { sessions, equal, unexplained };
}

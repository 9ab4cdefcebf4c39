import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Defragmenter, DefragStatus, FRAG_POLICY_NAMES, type FragPolicyName } from '../../reassembly/defrag.js';
import { readPcap, findL3, rng, inetSum } from './pcap-util.js';
import { SHARED } from '../helpers/paths.js';
import { decodeLayersOf } from '../helpers/layers.js';

const SEEDS = SHARED + '/bench/seeds';

function fragHdrOffV6(d: Uint8Array, l3: number): number {
  // Walk extension headers until the Fragment header (44).
  let nh = d[l3 + 6]!;
  let o = l3 + 40;
  for (let i = 0; i < 8; i++) {
    if (nh === 44) return o;
    if (nh === 0 || nh === 43 || nh === 60) {
      const len = (d[o + 1]! + 1) * 8;
      nh = d[o]!;
      o += len;
    } else return -1;
  }
  return -1;
}

test('IPv6 fragments of dns-ipv6-frag.pcap: reassembled UDP datagram equals tshark reassembly, checksum valid; orphan fragment times out', () => {
  const frames = readPcap(`${SEEDS}/dns-ipv6-frag.pcap`);
  const d = new Defragmenter({ timeoutSec: 60 });
  let completes = 0;
  let held = 0;
  let outPayload: Uint8Array | null = null;
  for (const f of frames) {
    const { l3, version, vlan } = findL3(f);
    if (version !== 6) continue;
    const fh = fragHdrOffV6(f.data, l3);
    if (fh < 0) continue;
    const st = d.addV6(f.data, l3, f.data.length - l3, fh, vlan, f.tsUs);
    if (st === DefragStatus.HELD) held++;
    if (st === DefragStatus.COMPLETE) {
      completes++;
      const out = d.out.subarray(0, d.outLen);
      assert.equal(out[0]! >> 4, 6);
      assert.equal(out[6], 17, 'next header repaired to UDP');
      const plen = (out[4]! << 8) | out[5]!;
      assert.equal(plen + 40, d.outLen);
      const udpLen = (out[44]! << 8) | out[45]!;
      assert.equal(udpLen, 3238, 'tshark: udp.length 3238 on the reassembled frame 8');
      assert.equal(udpLen, plen);
      // UDP checksum over the IPv6 pseudo-header (RFC 8200 8.1) must verify (tshark: status Good).
      const pseudo = new Uint8Array(40);
      pseudo.set(out.subarray(8, 40), 0);
      pseudo[34] = udpLen >> 8;
      pseudo[35] = udpLen & 0xff;
      pseudo[39] = 17;
      assert.equal(inetSum([pseudo, out.subarray(40, 40 + udpLen)]), 0xffff);
      outPayload = out.slice(48, 40 + udpLen);
    }
  }
  assert.equal(completes, 1);
  assert.equal(held, 3, 'frame 4 (orphan last fragment of id 1) and frames 6, 7');
  assert.equal(d.counter('defrag.ipv6.reassembled'), 1);
  assert.equal(d.liveTrackers, 1, 'the orphan tracker is still waiting');
  const hex = execFileSync('tshark', ['-r', `${SEEDS}/dns-ipv6-frag.pcap`, '-Y', 'frame.number==8', '-T', 'fields', '-e', 'udp.payload'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  assert.equal(Buffer.from(outPayload!).toString('hex'), hex.replace(/:/g, ''));
  // Packet time drives timeouts: 61 s later the orphan is evicted.
  d.sweep(frames[frames.length - 1]!.tsUs + 61e6);
  assert.equal(d.liveTrackers, 0);
  assert.equal(d.counter('defrag.timeouts'), 1);
  assert.equal(d.memUsed, 0, 'every page returned');
});

// --- Sturges/Novak overlap pattern -------------------------------------------------------
// The 17-fragment pattern from Novak, "Target-Based Fragmentation Reassembly" (2005), as used
// by Suricata's defrag unit tests (DefragSturgesNovak*): offset (bytes), fill char, length,
// arrival order as listed. Expected results per policy are the published per-OS outcomes
// (Suricata src/defrag.c tests); solaris is derived from Suricata's solaris branch, which
// trims a new fragment that starts at or after an existing one (so I wins over Q at 176).
const NOVAK: Array<[number, string, number]> = [
  [0, 'A', 24], [32, 'B', 16], [48, 'C', 24], [80, 'D', 8], [104, 'E', 16], [120, 'F', 24],
  [144, 'G', 16], [160, 'H', 16], [176, 'I', 8], [8, 'J', 32], [48, 'K', 24], [72, 'L', 24],
  [96, 'M', 24], [128, 'N', 8], [152, 'O', 8], [160, 'P', 8], [176, 'Q', 16],
];
const NOVAK_EXPECT: Partial<Record<FragPolicyName, string>> = {
  bsd: 'AAAJJBCCCLLLMMMFFFGGHHIQ',
  linux: 'AAAJJBKKKLLLMMMFFFGGPHQQ',
  windows: 'AAAJBBCCCLLLMEEFFFGGHHIQ',
  solaris: 'AAAJBBCCCLLLMMMFFFGGHHIQ',
  first: 'AAAJBBCCCLDLMEEFFFGGHHIQ',
  last: 'AJJJJBKKKLLLMMMFNFGOPHQQ',
};

function ipv4Frag(id: number, off: number, mf: boolean, payload: Uint8Array, proto = 17): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[4] = id >> 8;
  p[5] = id & 0xff;
  const ff = (mf ? 0x2000 : 0) | (off >> 3);
  p[6] = ff >> 8;
  p[7] = ff & 0xff;
  p[8] = 64;
  p[9] = proto;
  p.set([10, 0, 0, 1], 12);
  p.set([10, 0, 0, 2], 16);
  p.set(payload, 20);
  return p;
}

for (const [policy, expect] of Object.entries(NOVAK_EXPECT)) {
  test(`Novak 17-fragment overlap pattern reassembles per the ${policy} policy`, () => {
    const d = new Defragmenter({ policy: policy as FragPolicyName });
    let result = '';
    NOVAK.forEach(([off, ch, len], i) => {
      const mf = i !== NOVAK.length - 1;
      const pkt = ipv4Frag(7, off, mf, new Uint8Array(len).fill(ch.charCodeAt(0)));
      const st = d.addV4(pkt, 0, pkt.length, 0, 1e6 + i);
      if (i < NOVAK.length - 1) assert.notEqual(st, DefragStatus.COMPLETE);
      else {
        assert.equal(st, DefragStatus.COMPLETE);
        const out = d.out.subarray(0, d.outLen);
        for (let b = 20; b < out.length; b += 8) result += String.fromCharCode(out[b]!);
        assert.equal(out.length, 20 + 192);
        assert.equal(inetSum([out.subarray(0, 20)]), 0xffff, 'header checksum recomputed');
        assert.equal(out[6]! & 0x3f, 0, 'MF and offset cleared');
      }
    });
    assert.equal(result, expect);
    assert.ok(d.counter('decoder.ipv4.frag_overlap') > 0);
    assert.ok(d.counter('defrag.overlap_different_data') > 0);
    assert.equal(d.memUsed, 0);
  });
}

test('per-destination CIDR policy overrides the default', () => {
  const d = new Defragmenter({ policy: 'bsd', hostPolicies: [{ cidr: '10.0.0.0/24', policy: 'last' }, { cidr: '192.168.0.0/16', policy: 'first' }] });
  let result = '';
  NOVAK.forEach(([off, ch, len], i) => {
    const pkt = ipv4Frag(9, off, i !== NOVAK.length - 1, new Uint8Array(len).fill(ch.charCodeAt(0)));
    if (d.addV4(pkt, 0, pkt.length, 0, 1e6) === DefragStatus.COMPLETE) {
      for (let b = 20; b < d.outLen; b += 8) result += String.fromCharCode(d.out[b]!);
    }
  });
  assert.equal(result, NOVAK_EXPECT.last, 'dst 10.0.0.2 is in 10.0.0.0/24 -> last');
});

// --- Synthetic fragmentation of real packets -----------------------------------------------

interface Piece { off: number; bytes: Uint8Array; mf: boolean }

/** Cut [0,len) into 8-byte aligned pieces of random size. */
function cut(r: () => number, payload: Uint8Array): Piece[] {
  const pieces: Piece[] = [];
  let off = 0;
  while (off < payload.length) {
    const n = Math.min(payload.length - off, 8 * (1 + Math.floor(r() * 40)));
    pieces.push({ off, bytes: payload.subarray(off, off + n), mf: off + n < payload.length });
    off += n;
  }
  return pieces;
}

function shuffle<T>(r: () => number, a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function realIpv4Packets(file: string, proto: number, minPayload: number, max: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of readPcap(file)) {
    const { l3, version } = findL3(f);
    if (version !== 4) continue;
    const d = f.data;
    const tot = (d[l3 + 2]! << 8) | d[l3 + 3]!;
    const ff = (d[l3 + 6]! << 8) | d[l3 + 7]!;
    if ((ff & 0x3fff) !== 0 || d[l3 + 9] !== proto || l3 + tot > d.length || tot - 20 < minPayload) continue;
    out.push(d.slice(l3, l3 + tot));
    if (out.length >= max) break;
  }
  return out;
}

function fragmentsOf(ip: Uint8Array, pieces: Piece[]): Uint8Array[] {
  const hl = (ip[0]! & 15) * 4;
  return pieces.map((p) => {
    const f = new Uint8Array(hl + p.bytes.length);
    f.set(ip.subarray(0, hl));
    f[2] = f.length >> 8;
    f[3] = f.length & 0xff;
    const ff = (ip[6]! & 0x40) << 8 | (p.mf ? 0x2000 : 0) | (p.off >> 3);
    f[6] = ff >> 8;
    f[7] = ff & 0xff;
    f.set(p.bytes, hl);
    return f;
  });
}

test('real TCP and UDP packets cut into random shuffled fragments with duplicates reassemble byte-exact under every policy', () => {
  const pkts = [
    ...realIpv4Packets(`${SEEDS}/http-m57-long.pcap`, 6, 600, 20),
    ...realIpv4Packets(`${SEEDS}/udp-sip.pcap`, 17, 200, 10),
  ];
  assert.ok(pkts.length >= 20, `found ${pkts.length} real packets`);
  for (const policy of FRAG_POLICY_NAMES) {
    const r = rng(1234 + policy.length);
    for (const ip of pkts) {
      // One defragmenter per datagram: duplicates arriving after completion open a new tracker
      // (which then times out), and several real packets share an IP id.
      const d = new Defragmenter({ policy });
      const hl = (ip[0]! & 15) * 4;
      const pieces = cut(r, ip.subarray(hl));
      // Duplicates with the same bytes, and re-cut overlapping pieces with the same bytes.
      const extra: Piece[] = [];
      for (const p of pieces) if (r() < 0.3) extra.push(p);
      const s = 8 * Math.floor(r() * ((ip.length - hl) >> 3));
      const e = Math.min(ip.length - hl, s + 8 * (1 + Math.floor(r() * 30)));
      if (e > s && e < ip.length - hl) extra.push({ off: s, bytes: ip.subarray(hl + s, hl + e), mf: true });
      const all = shuffle(r, [...pieces, ...extra]);
      // The datagram completes when the last piece needed arrives; push all to be sure of that point.
      let done = 0;
      for (const f of fragmentsOf(ip, all)) {
        const st = d.addV4(f, 0, f.length, 0, 5e6);
        if (st === DefragStatus.COMPLETE) {
          done++;
          assert.deepEqual(d.out.subarray(0, d.outLen), ip, `policy ${policy}`);
        }
      }
      assert.ok(done >= 1, `policy ${policy}: datagram completed`);
      assert.equal(d.counter('defrag.overlap_different_data'), 0);
      d.sweep(1e12);
      assert.equal(d.memUsed, 0);
    }
  }
});

test('an overlapping fragment with different bytes: first keeps the original, last takes the forgery', () => {
  const ip = realIpv4Packets(`${SEEDS}/http-m57-long.pcap`, 6, 1000, 1)[0]!;
  const hl = (ip[0]! & 15) * 4;
  const r = rng(99);
  for (let trial = 0; trial < 50; trial++) {
    const pieces = cut(r, ip.subarray(hl));
    if (pieces.length < 2) continue;
    // The forgery stays clear of the final piece, which arrives after it.
    const lastOff = pieces[pieces.length - 1]!.off;
    const s = 8 * Math.floor(r() * ((lastOff >> 3) - 1));
    const e = Math.min(lastOff, s + 8 * (1 + Math.floor(r() * 10)));
    const evilBytes = ip.slice(hl + s, hl + e).map((x) => x ^ 0x5a);
    const evil: Piece = { off: s, bytes: evilBytes, mf: true };
    // Evil arrives after everything except the piece that ends the datagram.
    const last = pieces.pop()!;
    const order = [...shuffle(r, pieces), evil, last];
    for (const policy of ['first', 'last'] as const) {
      const d = new Defragmenter({ policy });
      let got: Uint8Array | null = null;
      for (const f of fragmentsOf(ip, order)) if (d.addV4(f, 0, f.length, 0, 1) === DefragStatus.COMPLETE) got = d.out.slice(0, d.outLen);
      assert.ok(got, `trial ${trial} ${policy}`);
      const want = ip.slice();
      if (policy === 'last') want.set(evilBytes, hl + s);
      assert.deepEqual(got, want, `trial ${trial} ${policy} [${s},${e})`);
      assert.equal(d.counter('defrag.overlap_different_data'), 1);
    }
  }
});

test('IPv6 with a hop-by-hop header in the unfragmentable part: fragment header removed, chain repaired', () => {
  // A real IPv6 TCP packet from ftp-ipv6.pcap, with a Hop-by-Hop (PadN) header inserted.
  let orig: Uint8Array | null = null;
  for (const f of readPcap(`${SEEDS}/ftp-ipv6.pcap`)) {
    const { l3, version } = findL3(f);
    if (version === 6 && f.data[l3 + 6] === 6 && ((f.data[l3 + 4]! << 8) | f.data[l3 + 5]!) > 60) {
      orig = f.data.slice(l3, l3 + 40 + ((f.data[l3 + 4]! << 8) | f.data[l3 + 5]!));
      break;
    }
  }
  assert.ok(orig);
  const upper = orig.subarray(40);
  const hbh = new Uint8Array([6, 0, 1, 4, 0, 0, 0, 0]); // next=TCP, len 0, PadN(4)
  const whole = new Uint8Array(48 + upper.length);
  whole.set(orig.subarray(0, 40));
  whole[6] = 0;
  const pl = 8 + upper.length;
  whole[4] = pl >> 8;
  whole[5] = pl & 0xff;
  whole.set(hbh, 40);
  whole.set(upper, 48);
  const r = rng(7);
  const pieces = shuffle(r, cut(r, upper));
  const d = new Defragmenter();
  let got: Uint8Array | null = null;
  for (const p of pieces) {
    const f = new Uint8Array(56 + p.bytes.length);
    f.set(whole.subarray(0, 48));
    f[40] = 44; // hop-by-hop's next header -> Fragment
    const fpl = 16 + p.bytes.length;
    f[4] = fpl >> 8;
    f[5] = fpl & 0xff;
    f[48] = 6;
    const fo = p.off | (p.mf ? 1 : 0);
    f[50] = fo >> 8;
    f[51] = fo & 0xff;
    f.set([0, 0, 0xbe, 0xef], 52);
    f.set(p.bytes, 56);
    if (d.addV6(f, 0, f.length, 48, 0, 1) === DefragStatus.COMPLETE) got = d.out.slice(0, d.outLen);
  }
  assert.deepEqual(got, whole);
});

test('limits: too-large fragments, max trackers, memcap eviction and timeouts are counted and bounded', () => {
  // Offset 65528 + 16 bytes passes 65535: decoder.ipv4.frag_pkt_too_large.
  const d = new Defragmenter({ maxTrackers: 100, memcap: 256 * 2048 });
  const big = ipv4Frag(1, 65528, false, new Uint8Array(16));
  assert.equal(d.addV4(big, 0, big.length, 0, 0), DefragStatus.DROPPED);
  assert.equal(d.counter('decoder.ipv4.frag_pkt_too_large'), 1);
  // 150 incomplete datagrams with distinct ids: only 100 trackers.
  for (let i = 0; i < 150; i++) {
    const f = ipv4Frag(1000 + i, 0, true, new Uint8Array(8));
    d.addV4(f, 0, f.length, 0, 1e6);
  }
  assert.equal(d.liveTrackers, 100);
  assert.equal(d.counter('defrag.max_frag_hits'), 50);
  // Time passes: all 100 time out on the next fragment's timestamp.
  const f = ipv4Frag(5000, 0, true, new Uint8Array(8));
  d.addV4(f, 0, f.length, 0, 1e6 + 61e6);
  assert.equal(d.counter('defrag.timeouts'), 100);
  assert.equal(d.liveTrackers, 1);
  // Memory: 1400-byte fragments of 99 more datagrams need 2 pages each with the header: the
  // arena of 256 pages forces evictions of the oldest trackers; memory never exceeds the cap.
  for (let i = 0; i < 99; i++) {
    const g = ipv4Frag(6000 + i, 0, true, new Uint8Array(2048 + 8));
    d.addV4(g, 0, g.length, 0, 2e6 + 61e6);
    assert.ok(d.memUsed <= 256 * 2048);
  }
  assert.ok(d.counter('defrag.evictions') > 0);
  assert.ok(d.memUsed <= 256 * 2048);
});

test('malformed fragments are counted, never thrown', () => {
  const d = new Defragmenter();
  const r = rng(3);
  const base = ipv4Frag(1, 0, true, new Uint8Array(64).fill(1));
  for (let i = 0; i < 2000; i++) {
    const m = base.slice(0, 20 + Math.floor(r() * 64));
    for (let k = 0; k < 4; k++) m[Math.floor(r() * m.length)] = Math.floor(r() * 256);
    d.addV4(m, 0, m.length, 0, i);
    const v6 = new Uint8Array(40 + Math.floor(r() * 64)).map(() => Math.floor(r() * 256));
    d.addV6(v6, 0, v6.length, 40 + Math.floor(r() * 30), 0, i);
  }
  assert.ok(d.counter('defrag.malformed') > 0);
});

// --- A last fragment that ends before data already held (suricata-verify frag-29) ---------
// ipv6-evasion/ipv6-malformed-fragments-29: id 0xfacef103 sends [0,408) M=1 (frame 5),
// [408,808) M=1 (frame 7), then a 1-byte LAST fragment at offset 8 (frame 8) — inside the
// bytes of frame 5. Suricata's DefragInsertFrag flags the overlap (frag_offset < prev end and
// prev start < frag_end) and, under every policy but `last`, trims the new fragment away
// entirely (ltrim > data_len: not inserted, tracker kept). Expected: decoder.ipv6.frag_overlap
// on frame 8, no frag_ignored, no reassembly.
const FRAG29 = SHARED + '/corpus/suricata-verify/ipv6-evasion/ipv6-malformed-fragments-29/frag-29.pcap';

test('frag-29: a last fragment lying inside held data is an overlap, discarded, the tracker kept (Suricata bsd)', () => {
  const frames = readPcap(FRAG29);
  // Oracle: tshark's view of the three fragments of the datagram.
  const rows = execFileSync('tshark', ['-r', FRAG29, '-o', 'ipv6.defragment:FALSE', '-Y', 'ipv6.fraghdr.ident == 0xfacef103', '-T', 'fields',
    '-e', 'frame.number', '-e', 'ipv6.fraghdr.offset', '-e', 'ipv6.fraghdr.more', '-e', 'ipv6.plen'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trim().split('\n').map((l) => l.split('\t').map(Number));
  assert.deepEqual(rows.map((r) => [r[0], r[1]! * 8, r[2], r[3]! - 8]), [[5, 0, 1, 408], [7, 408, 1, 400], [8, 8, 0, 1]]);
  const d = new Defragmenter({ timeoutSec: 60 });
  const st: DefragStatus[] = [];
  for (const n of [5, 7, 8]) {
    const f = frames[n - 1]!;
    const { l3, vlan } = findL3(f);
    st.push(d.addV6(f.data, l3, f.data.length - l3, fragHdrOffV6(f.data, l3), vlan, f.tsUs));
    if (n !== 8) assert.equal(d.lastOverlap, false, `frame ${n} overlaps nothing`);
  }
  assert.deepEqual(st, [DefragStatus.HELD, DefragStatus.HELD, DefragStatus.DROPPED]);
  assert.equal(d.lastOverlap, true);
  assert.equal(d.counter('decoder.ipv6.frag_overlap'), 1);
  assert.equal(d.counter('decoder.ipv6.frag_ignored'), 0);
  assert.equal(d.counter('defrag.discarded_inside'), 1);
  assert.equal(d.counter('defrag.ipv6.reassembled'), 0);
  assert.equal(d.liveTrackers, 1, 'the datagram still waits for its real last fragment');
});

test('frag-29 through the pipeline: frame 8 carries decoder.ipv6.frag_overlap and nothing else from defrag', () => {
  const { events } = decodeLayersOf(FRAG29);
  assert.ok(events[7]!.includes('decoder.ipv6.frag_overlap'), events[7]!.join(','));
  assert.ok(!events[7]!.includes('decoder.ipv6.frag_ignored'), events[7]!.join(','));
  events.forEach((e, i) => { if (i !== 7) assert.ok(!e.includes('decoder.ipv6.frag_overlap'), `frame ${i + 1}: ${e.join(',')}`); });
});

test('a last fragment ending before held data that it does NOT lie inside is still inconsistent: datagram dropped, frag_ignored', () => {
  // Real frames 5 and 7 of frag-29 minus frame 5: held [408,808), then frame 8's [8,9) last.
  const frames = readPcap(FRAG29);
  const d = new Defragmenter({ timeoutSec: 60 });
  for (const n of [7, 8]) {
    const f = frames[n - 1]!;
    const { l3, vlan } = findL3(f);
    d.addV6(f.data, l3, f.data.length - l3, fragHdrOffV6(f.data, l3), vlan, f.tsUs);
  }
  assert.equal(d.counter('decoder.ipv6.frag_overlap'), 0);
  assert.equal(d.counter('decoder.ipv6.frag_ignored'), 1);
  assert.equal(d.liveTrackers, 0);
});

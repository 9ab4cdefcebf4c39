/**
 * Property tests: a known byte stream, cut into random segments, duplicated, reordered and
 * overlapped (same bytes, then different bytes), with an ISN a few KiB below 2^32 so the
 * stream wraps — reassembles to the expected bytes for every policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STREAM_POLICY_NAMES, type StreamPolicyName } from '../../reassembly/policies.js';
import { rng } from './pcap-util.js';
import { newTcp, Session, ACK, FIN, PSH } from './harness.js';

interface Seg { off: number; len: number }

function cutStream(r: () => number, len: number, maxSeg: number): Seg[] {
  const out: Seg[] = [];
  for (let o = 0; o < len; ) {
    const n = Math.min(len - o, 1 + Math.floor(r() * maxSeg));
    out.push({ off: o, len: n });
    o += n;
  }
  return out;
}

function shuffle<T>(r: () => number, a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Does a NEW segment [ns,ne) replace QUEUED bytes of segment [es,ee)? Written from the policy
 * definitions (Suricata src/stream-tcp-list.c DoHandleDataOverlap; Novak & Sturges 2007):
 */
const NEW_WINS: Record<StreamPolicyName, (ns: number, ne: number, es: number, ee: number) => boolean> = {
  // "first": the data that arrived first is kept.
  first: () => false,
  // "last": the most recent data is kept.
  last: () => true,
  // BSD / Windows / Mac OS: the new segment is used only where it starts before the old one.
  bsd: (ns, _ne, es) => ns < es,
  windows: (ns, _ne, es) => ns < es,
  macos: (ns, _ne, es) => ns < es,
  // Vista: Suricata has no override for it, the original stays.
  vista: () => false,
  // Linux: starts before; or starts at the same place and extends past the old one.
  linux: (ns, ne, es, ee) => ns < es || (ns === es && ne > ee),
  // Old Linux: as Linux, and also when it starts and ends at the same place.
  'old-linux': (ns, ne, es, ee) => ns < es || (ns === es && ne >= ee),
  // Solaris / HP-UX 11: when the new one reaches past the old one's right edge, or covers it
  // exactly up to that edge while starting at or before it.
  solaris: (ns, ne, es, ee) => ne > ee || (ns <= es && ne === ee),
};

for (const policy of STREAM_POLICY_NAMES) {
  test(`property: random cuts, duplicates, reordering and same-byte overlaps reassemble exactly (${policy}, ISN near 2^32)`, () => {
    for (let trial = 0; trial < 25; trial++) {
      const r = rng(1000 * trial + policy.length);
      const L = 2000 + Math.floor(r() * 30000);
      const data = new Uint8Array(L).map(() => Math.floor(r() * 256));
      const { tcp, out } = newTcp({ policy, immediate: trial % 2 === 1 });
      const isn = 0xffffffff - Math.floor(r() * 20000);
      const ses = new Session(tcp, 1, isn, Math.floor(r() * 0xffffffff));
      ses.handshake();
      const segs = cutStream(r, L, 1460);
      const extra: Seg[] = [];
      for (const s of segs) if (r() < 0.3) extra.push(s); // exact duplicates
      for (let k = 0; k < 10; k++) {
        // overlapping re-cuts carrying the same bytes
        const a = Math.floor(r() * L);
        extra.push({ off: a, len: Math.max(1, Math.min(L - a, 1 + Math.floor(r() * 3000))) });
      }
      const order = shuffle(r, [...segs, ...extra]);
      for (const s of order) ses.cli(ACK | PSH, s.off, data.subarray(s.off, s.off + s.len), 0);
      ses.cli(FIN | ACK, L, undefined, 0);
      ses.srv(ACK, 0, undefined, L + 1);
      const got = out.bytes(1, true);
      assert.equal(got.length, L, `trial ${trial}`);
      assert.ok(got.equals(Buffer.from(data)), `trial ${trial}: bytes differ`);
      const d = out.get(1, true);
      assert.deepEqual(d.errors, []);
      assert.deepEqual(d.gaps, []);
      assert.equal(d.closed, 1);
      assert.ok(!tcp.eventSet(1).includes('stream.reassembly_overlap_different_data'), `trial ${trial}`);
      assert.equal(tcp.reassembledBytes(1, true), L);
      tcp.onFlowEnd(1);
      assert.equal(tcp.store.pool.usedBytes, 0, 'all pages returned');
    }
  });

  test(`property: overlapping segments with different bytes resolve per the ${policy} definition`, () => {
    for (let trial = 0; trial < 40; trial++) {
      const r = rng(77 + 31 * trial + policy.charCodeAt(0));
      const L = 3000 + Math.floor(r() * 20000);
      const data = new Uint8Array(L).map(() => Math.floor(r() * 256));
      const { tcp, out } = newTcp({ policy });
      const isn = 0xffffffff - Math.floor(r() * 30000);
      const ses = new Session(tcp, 2, isn, 12345);
      ses.handshake();
      const segs = cutStream(r, L, 1460);
      const filler = segs.shift()!; // the first piece is held back: everything else queues out of order
      const dups: Seg[] = segs.filter(() => r() < 0.2);
      // Forged segments: inside the queued range, not overlapping each other.
      const evil: Array<Seg & { bytes: Uint8Array }> = [];
      let cursor = filler.len;
      while (cursor < L - 10 && evil.length < 6) {
        const a = cursor + Math.floor(r() * 2000);
        const n = 1 + Math.floor(r() * 2500);
        if (a + n > L) break;
        evil.push({ off: a, len: n, bytes: data.slice(a, a + n).map((x) => x ^ 0xa5) });
        cursor = a + n + 1;
      }
      for (const s of shuffle(r, [...segs, ...dups])) ses.cli(ACK, s.off, data.subarray(s.off, s.off + s.len), 0);
      for (const e of shuffle(r, evil.slice())) ses.cli(ACK, e.off, e.bytes, 0);
      ses.cli(ACK, filler.off, data.subarray(0, filler.len), 0);
      ses.srv(ACK, 0, undefined, L);
      // Expected: each byte of a forged segment replaces the original piece it lies in when the
      // policy says the new (forged) segment wins over that queued piece.
      const want = data.slice();
      for (const e of evil) {
        for (const o of segs) {
          const a = Math.max(e.off, o.off);
          const b = Math.min(e.off + e.len, o.off + o.len);
          if (a >= b) continue;
          if (NEW_WINS[policy](e.off, e.off + e.len, o.off, o.off + o.len)) want.set(e.bytes.subarray(a - e.off, b - e.off), a);
        }
      }
      const got = out.bytes(2, true);
      assert.equal(got.length, L);
      assert.ok(got.equals(Buffer.from(want)), `trial ${trial}: ${policy} result differs from the definition`);
      if (evil.length > 0) assert.ok(tcp.eventSet(2).includes('stream.reassembly_overlap_different_data'));
      assert.deepEqual(out.get(2, true).errors, []);
    }
  });
}

test('in-order data already accepted is never replaced: a retransmission with different bytes is counted, not used', () => {
  for (const policy of STREAM_POLICY_NAMES) {
    const { tcp, out } = newTcp({ policy });
    const ses = new Session(tcp, 3, 0xfffffff0, 99);
    ses.handshake();
    ses.cli(ACK, 0, Buffer.from('GET /index.html'), 0);
    ses.cli(ACK, 4, Buffer.from('/evil.html'), 0);
    ses.srv(ACK, 0, undefined, 15);
    assert.equal(out.bytes(3, true).toString(), 'GET /index.html', policy);
    assert.ok(tcp.eventSet(3).includes('stream.reassembly_overlap_different_data'));
    assert.ok(tcp.eventSet(3).includes('stream.pkt_retransmission'));
  }
});

test('per destination CIDR policy: the server address picks the policy (longest prefix wins)', async () => {
  const { PolicyTable, StreamPolicy } = await import('../../reassembly/policies.js');
  const t = new PolicyTable(StreamPolicy.BSD, [
    { cidr: '10.0.0.0/8', policy: 'windows' },
    { cidr: '10.1.0.0/16', policy: 'linux' },
    { cidr: '2001:db8::/32', policy: 'solaris' },
  ]);
  const v4 = (s: string) => s.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
  assert.equal(t.forV4(v4('10.2.3.4')), StreamPolicy.WINDOWS);
  assert.equal(t.forV4(v4('10.1.3.4')), StreamPolicy.LINUX);
  assert.equal(t.forV4(v4('192.168.1.1')), StreamPolicy.BSD);
  const a = new Uint8Array(16);
  a.set([0x20, 0x01, 0x0d, 0xb8]);
  assert.equal(t.forV6(a, 0), StreamPolicy.SOLARIS);
  a[3] = 0xb9;
  assert.equal(t.forV6(a, 0), StreamPolicy.BSD);
  // End to end: the same forged overlap resolves differently by server address.
  const results: string[] = [];
  for (const server of ['10.1.0.9', '10.9.0.9']) {
    const { tcp, out } = newTcp({ hostPolicies: [{ cidr: '10.1.0.0/16', policy: 'last' }, { cidr: '10.0.0.0/8', policy: 'first' }] });
    tcp.setPolicyV4(0, v4(server));
    const s = new Session(tcp, 0, 100, 200);
    s.handshake();
    s.cli(ACK, 4, Buffer.from('BBBB'), 0);
    s.cli(ACK, 4, Buffer.from('XXXX'), 0);
    s.cli(ACK, 0, Buffer.from('AAAA'), 0);
    s.srv(ACK, 0, undefined, 8);
    results.push(out.bytes(0, true).toString());
  }
  assert.deepEqual(results, ['AAAAXXXX', 'AAAABBBB']);
});

/**
 * IPv6 extension-header chain truncation on real bytes: suricata-verify
 * ipv6-evasion/ipv6-malformed-fragments-26 (frag-26.pcap). Frame 6 is an IPv6 packet whose
 * payload is an atomic Fragment header (offset 0, M=0, next header TCP) followed by ONE byte.
 * tshark: "IPv6 fragment (off=0 more=n ...) [Malformed Packet]". Suricata's DecodeIPV6ExtHdrs
 * checks `plen < 2` at the top of its header loop before dispatching to TCP, so the packet is
 * ipv6.exthdr_useless_fh + ipv6.trunc_exthdr (invalid), never tcp.pkt_too_small.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLayersOf } from '../helpers/layers.js';
import { SHARED } from '../helpers/paths.js';

const PCAP = join(SHARED, 'corpus/suricata-verify/ipv6-evasion/ipv6-malformed-fragments-26/frag-26.pcap');

test('frag-26: atomic fragment header followed by 1 byte is ipv6.trunc_exthdr (Suricata plen < 2), only on that frame', () => {
  // The oracle names the frame: tshark flags exactly one malformed IPv6 fragment.
  const malformed = execFileSync('tshark', ['-r', PCAP, '-Y', '_ws.malformed && ipv6.fraghdr.offset == 0 && ipv6.fraghdr.more == 0', '-T', 'fields', '-e', 'frame.number'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').filter(Boolean).map(Number);
  assert.deepEqual(malformed, [6]);
  const { events, stats } = decodeLayersOf(PCAP);
  assert.equal(events.length, 8);
  const ev6 = events[5];
  assert.ok(ev6.includes('decoder.ipv6.exthdr_useless_fh'), `frame 6 events: ${ev6.join(',')}`);
  assert.ok(ev6.includes('decoder.ipv6.trunc_exthdr'), `frame 6 events: ${ev6.join(',')}`);
  assert.ok(!ev6.includes('decoder.tcp.pkt_too_small'), 'the 1 byte after the chain is not decoded as TCP');
  events.forEach((e, i) => { if (i !== 5) assert.ok(!e.includes('decoder.ipv6.trunc_exthdr'), `frame ${i + 1}: ${e.join(',')}`); });
  assert.equal(stats['decoder.ipv6.trunc_exthdr'], 1);
});

test('frag-26 frame 6 with the chain completed (2 more bytes) is no longer truncated at the chain: TCP decides', () => {
  // Same real frame, payload length raised by 2 and 2 bytes appended: the chain check passes
  // (>= 2 bytes after the atomic Fragment header) and the TCP decoder reports its own event.
  const frames = decodeLayersOfPatched();
  assert.ok(!frames.includes('decoder.ipv6.trunc_exthdr'), frames.join(','));
  assert.ok(frames.includes('decoder.tcp.pkt_too_small'), frames.join(','));
});

function decodeLayersOfPatched(): string[] {
  const b = readFileSync(PCAP);
  // Walk records to frame 6.
  let o = 24;
  for (let i = 0; i < 5; i++) o += 16 + b.readUInt32LE(o + 8);
  const incl = b.readUInt32LE(o + 8);
  const frame = Buffer.concat([b.subarray(o + 16, o + 16 + incl), Buffer.from([0x00, 0x50])]);
  frame.writeUInt16BE(frame.readUInt16BE(14 + 4) + 2, 14 + 4); // IPv6 payload length
  const hdr = Buffer.alloc(16);
  b.copy(hdr, 0, o, o + 8);
  hdr.writeUInt32LE(frame.length, 8);
  hdr.writeUInt32LE(frame.length, 12);
  const dir = mkdtempSync(join(tmpdir(), 'fennec-ipv6-'));
  try {
    const f = join(dir, 'frag-26-frame6-plus2.pcap');
    writeFileSync(f, Buffer.concat([b.subarray(0, 24), hdr, frame]));
    return decodeLayersOf(f).events[0];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

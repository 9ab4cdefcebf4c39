/**
 * Mutated real packets never crash the decoder, the defragmenter or the flow table: frames
 * from real captures (VLAN, tunnels, IPv6 fragments, TLS, DNS, ICMP) are cut short, have
 * random header bytes flipped and length fields set to extremes, and are fed through the
 * whole per-worker pipeline under every link type. Every malformation must end as a counted
 * event or a clean decode, never an exception; the flow table must still end every flow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { openCaptureFiles } from '../../sensor/capture/file.js';
import { Pipeline } from '../../sensor/pipeline.js';
import { defaultConfig } from '../../sensor/config.js';
import { SHARED } from '../capture/oracle.js';

const SEEDS = ['tunnel-vxlan.pcap', 'tunnel-gre.pcap', 'tunnel-teredo.pcap', 'dns-ipv6-frag.pcap', 'vlan-http-wikipedia.pcap',
  'ipv6-icmp6.pcap', 'tls-chrome34-google.pcap', 'udp-dhcp.pcap', 'ftp-ipv6.pcap'];

function loadFrames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const s of SEEDS) {
    const src = openCaptureFiles([path.join(SHARED, 'bench/seeds', s)]);
    for (let b = src.next(0); b !== null; b = src.next(0)) {
      for (let i = 0; i < b.count; i++) out.push(b.data.slice(b.offset[i], b.offset[i] + b.caplen[i]));
    }
  }
  return out;
}

/** xorshift32: a seeded PRNG so a failure is reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

test('200,000 mutated real frames through the pipeline under every link type: no exception, all counted', () => {
  const frames = loadFrames();
  assert.ok(frames.length > 1000);
  const rand = rng(0xfe11ec);
  const cfg = defaultConfig();
  cfg.flow.maxFlows = 4096; // small: eviction paths run too
  const flows: number[] = [0];
  const pl = new Pipeline({ flow: cfg.flow, defrag: { ...cfg.defrag, maxTrackers: 64, memcap: 1 << 20 } }, () => { flows[0]++; });
  const buf = new Uint8Array(70000);
  const linktypes = [1, 1, 1, 1, 0, 101, 108, 113, 276, 228, 229, 9, 12];
  const N = 200_000;
  let ts = 1_600_000_000_000_000;
  for (let n = 0; n < N; n++) {
    const f = frames[Math.floor(rand() * frames.length)];
    let len = f.length;
    const off = Math.floor(rand() * 64); // frames at odd offsets in the buffer
    buf.set(f, off);
    const kind = rand();
    if (kind < 0.3) {
      // flip 1-4 bytes in the headers
      const k = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < k; j++) buf[off + Math.floor(rand() * Math.min(len, 96))] = Math.floor(rand() * 256);
    } else if (kind < 0.5) {
      len = Math.floor(rand() * len); // cut short (caplen == wirelen: a truncated frame)
    } else if (kind < 0.65) {
      // length fields to extremes: IPv4 total length / IPv6 payload length / UDP length
      const p = off + 14 + Math.floor(rand() * 40);
      if (p + 1 < off + len) { buf[p] = rand() < 0.5 ? 0xff : 0; buf[p + 1] = rand() < 0.5 ? 0xff : 0; }
    } else if (kind < 0.75) {
      for (let j = 0; j < len; j++) buf[off + j] = Math.floor(rand() * 256); // noise
    }
    const lt = rand() < 0.85 ? 1 : linktypes[Math.floor(rand() * linktypes.length)];
    const wire = rand() < 0.1 ? len + Math.floor(rand() * 1000) : len; // sometimes snap-length cut
    ts += Math.floor(rand() * 2_000_000);
    pl.processFrame(buf, off, len, wire, ts, lt, 0, rand() < 0.05 ? Math.floor(rand() * 4096) : -1);
  }
  pl.finish();
  const s = pl.statsSnapshot();
  assert.equal(s['capture.packets'], N);
  assert.equal(s['flow.active'], 0, 'every flow ended');
  assert.equal(s['flow.created'], flows[0]);
  assert.ok(s['decoder.invalid'] > 1000, `malformations counted: ${s['decoder.invalid']}`);
  const events = Object.keys(s).filter((k) => k.startsWith('decoder.') && k.split('.').length === 3);
  assert.ok(events.length > 20, `distinct decode events raised: ${events.length}`);
});

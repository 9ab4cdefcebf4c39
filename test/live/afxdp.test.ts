/**
 * AF_XDP (generic/SKB mode) on a veth in namespaces this test creates: frames replayed with
 * tcpreplay are received byte-identical through the UMEM and give the offline flow records.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VethPair, rewriteIntoSubnet, removeDir, type Rewritten } from './netns.js';
import { FrameDigest, LiveFlows, digestFile, flowLines, offlineFlows } from './flows.js';
import { openLiveSources } from '../../sensor/capture/live.js';
import { withNetns } from '../../native/libc.js';
import { NativeUnavailableError } from '../../native/unavailable.js';
import { SHARED } from '../helpers/paths.js';

const SEEDS = SHARED + '/bench/seeds';
const seeds = readdirSync(SEEDS).filter((f) => f.endsWith('.pcap')).map((f) => join(SEEDS, f));
let rw: Rewritten;
let offline: FrameDigest;
let offlineLines: string[];
const veth = new VethPair('xdp');

before(() => {
  rw = rewriteIntoSubnet(seeds);
  offline = digestFile(rw.path);
  offlineLines = flowLines(offlineFlows(rw.path));
  veth.create({ rxQueues: 2 });
});

after(() => {
  veth.destroy();
  if (rw) removeDir(rw.dir);
});

test('AF_XDP, 1 socket: frames byte-identical and in order, flow records equal offline', async () => {
  const srcs = withNetns(veth.nsRxPath, () => openLiveSources({ iface: veth.ifRx, capture: 'afxdp', workers: 1 }));
  const d = new FrameDigest();
  const lf = new LiveFlows(1);
  try {
    const r = await veth.replayAndCapture(rw.path, 40_000, srcs, (i, b) => {
      d.add(i, b);
      lf.onBatch(i, b);
    });
    assert.equal(r.sent, rw.frames);
    assert.equal(srcs[0].stats().drops, 0);
  } finally {
    for (const s of srcs) s.close();
  }
  assert.equal(d.count, offline.count);
  assert.equal(d.bytes, offline.bytes);
  assert.deepEqual(d.hashes, offline.hashes);
  assert.deepEqual(flowLines(lf.finish()), offlineLines);
});

test('AF_XDP, 2 sockets on queues 0 and 1: every frame arrives once across both, flows equal offline', async () => {
  // veth hands a frame to the peer's RX queue matching the sender's TX queue; tcpreplay
  // sends on one queue, so here queue 1 stays empty. The test shows both sockets bind and
  // nothing is lost or duplicated; spreading by RSS needs a multi-queue NIC.
  const srcs = withNetns(veth.nsRxPath, () => openLiveSources({ iface: veth.ifRx, capture: 'afxdp', workers: 2 }));
  const d = new FrameDigest();
  const lf = new LiveFlows(2);
  try {
    await veth.replayAndCapture(rw.path, 'top', srcs, (i, b) => {
      d.add(i, b);
      lf.onBatch(i, b);
    });
    for (const s of srcs) assert.equal(s.stats().drops, 0);
  } finally {
    for (const s of srcs) s.close();
  }
  assert.equal(d.count, offline.count);
  assert.deepEqual([...d.hashes].sort(), [...offline.hashes].sort());
  assert.deepEqual(flowLines(lf.finish()), offlineLines);
});

test('AF_XDP not available: missing interface, missing queue', () => {
  assert.throws(() => openLiveSources({ iface: 'nosuchif0', capture: 'afxdp' }), (e: unknown) => e instanceof NativeUnavailableError && e.reason === 'interface');
  assert.throws(() => withNetns(veth.nsRxPath, () => openLiveSources({ iface: veth.ifRx, capture: 'afxdp', afxdp: { firstQueue: 7 } })),
    (e: unknown) => e instanceof NativeUnavailableError && /xsk_socket__create/.test(e.message));
});

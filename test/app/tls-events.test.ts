/**
 * TLS app-layer events on real bytes: suricata-verify bug-1450 (tls_DER-incomplete-content.pcap,
 * Pierre Chifflier). The server's record in frame 6 holds ServerHello, a Certificate message
 * whose only certificate is a truncated DER (30 06 30 84 ff ff ff fa 04), then a handshake
 * header of unknown type 0x84 with length 0xffffff. Suricata raises tls.invalid_certificate
 * (the DER) and tls.invalid_handshake_message (SupportedHandshakeType fails for 0x84), so the
 * case's sids 2230004 and 2230003 fire once each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TlsState } from '../../sensor/app/tls/state.js';
import { readPcap } from '../reassembly/pcap-util.js';
import { SHARED } from '../helpers/paths.js';

const PCAP = join(SHARED, 'corpus/suricata-verify/bug-1450-02/tls_DER-incomplete-content.pcap');

/** TCP payload of an Ethernet/IPv4 frame. */
function payload(f: Uint8Array): Uint8Array {
  const ihl = (f[14]! & 0x0f) * 4;
  const doff = (f[14 + ihl + 12]! >> 4) * 4;
  const tot = (f[16]! << 8) | f[17]!;
  return f.subarray(14 + ihl + doff, 14 + tot);
}

test('bug-1450: truncated certificate DER + unknown handshake type 0x84 → tls.invalid_certificate, tls.invalid_handshake_message', () => {
  const frames = readPcap(PCAP);
  assert.equal(frames.length, 6, 'six whole records before the damaged one');
  const client = payload(frames[3]!.data), server = payload(frames[5]!.data);
  // Oracle: tshark's TCP payloads of frames 4 and 6 (tshark exits non-zero on the damaged
  // record at the end, after printing the frames before it).
  const r = spawnSync('tshark', ['-r', PCAP, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.payload'], { encoding: 'utf8' });
  const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(rows.map((x) => x[0]), ['4', '6']);
  assert.equal(Buffer.from(client).toString('hex'), rows[0]![1]!.replace(/:/g, ''));
  assert.equal(Buffer.from(server).toString('hex'), rows[1]![1]!.replace(/:/g, ''));

  const done: number[] = [];
  const s = new TlsState((_tx, dir) => { done.push(dir); });
  s.feed(client, 0, client.length, true);
  assert.ok(s.tx.client, 'ClientHello parsed');
  assert.deepEqual(s.tx.events, []);
  s.feed(server, 0, server.length, false);
  assert.equal(s.tx.serverVersion, 0x0303);
  assert.equal(s.tx.certs.length, 1);
  assert.equal(Buffer.from(s.tx.certs[0]!).toString('hex'), '30063084fffffffa04');
  assert.deepEqual([...s.tx.events].sort(), ['tls.invalid_certificate', 'tls.invalid_handshake_message']);
});

test('the same server record split at every 97th byte raises the same events once each', () => {
  const frames = readPcap(PCAP);
  const client = payload(frames[3]!.data), server = payload(frames[5]!.data);
  const s = new TlsState(() => {});
  s.feed(client, 0, client.length, true);
  for (let o = 0; o < server.length; o += 97) s.feed(server, o, Math.min(97, server.length - o), false);
  assert.deepEqual([...s.tx.events].sort(), ['tls.invalid_certificate', 'tls.invalid_handshake_message']);
});

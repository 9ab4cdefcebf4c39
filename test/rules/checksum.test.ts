/**
 * TCP checksum validation (rules/detect/checksum.ts) against tshark's own verification
 * (`-o tcp.check_checksum:TRUE`, field tcp.checksum.status: 1 = good, 0 = bad) on every
 * TCP frame of the corpus and bench seeds: the verdict must be the same frame by frame.
 * Frames tshark cannot verify (status 2, e.g. truncated by the snap length) must be
 * accepted by us (nothing to check), fragments and tunnelled inner layers are skipped
 * (detection validates only the outermost complete segment it sees).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { findCaptures, pool, tsharkFields, SHARED } from '../capture/oracle.js';
import { openCaptureFiles } from '../../sensor/capture/file.js';
import { Pipeline, type PacketStage } from '../../sensor/pipeline.js';
import type { Packet } from '../../sensor/decode/packet.js';
import { defaultConfig } from '../../sensor/config.js';
import { tcpChecksumOk, tcpPseudoSum } from '../../rules/detect/checksum.js';
import { BatchScanner, HsScratch, TCP_CSUM_BAD, compileLiterals } from '../../native/vectorscan.js';

// The shim's checksum (BatchScanner.tcpScan, used by detection for segments with payload)
// must give the JS verdict on every segment.
const db = compileLiterals([{ bytes: Uint8Array.from([0x47, 0x45, 0x54]), id: 0, flags: 0 }]);
const scratch = new HsScratch().grow(db);
const scanner = new BatchScanner(1, 64);
let nativeCompared = 0;
const nativeDiffs: string[] = [];

const files = [...findCaptures(path.join(SHARED, 'corpus')), ...findCaptures(path.join(SHARED, 'bench/seeds'))];

/** Per frame number: our verdict for the first (outermost) TCP segment, or undefined. */
function verdicts(file: string): Map<number, boolean> {
  const cfg = defaultConfig();
  const pl = new Pipeline({ flow: cfg.flow, defrag: cfg.defrag }, () => {});
  const out = new Map<number, boolean>();
  const stage: PacketStage = {
    onPacket: (p: Packet) => {
      const frame = pl.counters.packets;
      if (p.proto !== 6 || p.isFragment || p.reassembled || out.has(frame)) return;
      const ok = tcpChecksumOk(p);
      out.set(frame, ok);
      const pseudo = tcpPseudoSum(p);
      if (pseudo >= 0) {
        const rc = scanner.tcpScan(db, null, scratch, p.data, p.l4Off, p.payOff + p.payLen - p.l4Off, pseudo, p.payOff, p.payLen);
        nativeCompared++;
        if ((rc !== TCP_CSUM_BAD) !== ok) nativeDiffs.push(`${file}#${frame}`);
      }
    },
  };
  pl.addStage(stage);
  const src = openCaptureFiles([file]);
  for (let b = src.next(0); b !== null; b = src.next(0)) pl.processBatch(b);
  pl.finish();
  return out;
}

test(`TCP checksum verdicts equal tshark's on ${files.length} captures`, async () => {
  assert.ok(files.length > 100, 'corpus and seeds present');
  let good = 0, bad = 0;
  const problems: string[] = [];
  await pool(files, 2, async (file) => {
    const rows = await tsharkFields(file, ['frame.number', 'tcp.checksum.status', 'ip.proto', 'ipv6.nxt'], ['-o', 'tcp.check_checksum:TRUE', '-o', 'tcp.desegment_tcp_streams:FALSE']);
    const ours = verdicts(file);
    for (const r of rows) {
      const frame = Number(r[0]);
      const st = (r[1] ?? '').split(',')[0];
      const v = ours.get(frame);
      if (v === undefined || st === '') continue;
      // Tunnels: tshark's first tcp.checksum.status is the outermost TCP, ours too; only
      // compare frames with one IP layer so inner/outer ordering cannot differ.
      if ((r[2] ?? '').includes(',') || (r[3] ?? '').includes(',') || ((r[2] ?? '') !== '' && (r[3] ?? '') !== '')) continue;
      if (st === '2') { if (!v) problems.push(`${path.basename(file)}#${frame}: unverifiable for tshark, rejected by us`); continue; }
      const theirs = st === '1';
      if (theirs) good++; else bad++;
      if (theirs !== v) problems.push(`${path.basename(file)}#${frame}: tshark ${theirs ? 'good' : 'bad'}, ours ${v ? 'good' : 'bad'}`);
    }
  });
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} disagreements`);
  assert.ok(good > 10000, `good segments compared: ${good}`);
  assert.ok(bad > 0, `bad segments compared: ${bad} (the corpus has captures with wrong checksums)`);
  assert.deepEqual(nativeDiffs.slice(0, 20), [], `${nativeDiffs.length} native/JS checksum disagreements`);
  assert.ok(nativeCompared > 10000, `native checksums compared: ${nativeCompared}`);
});

/**
 * Format and link-type variants (test/fixtures/capture, made by scripts/make-capture-fixtures.mjs
 * from real seeds) against tshark, multi-file/directory input, per-file stats and open errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, FRAME_FIELDS, SHARED, compareWithTshark, findCaptures, fnv1a, pool, readFrames, tsharkFields } from './oracle.js';
import { openCaptureFiles, readAll } from '../../sensor/capture/file.js';

interface Fixture {
  file: string;
  made: string;
  linktype?: number;
  frames?: number[];
}
const manifest: Fixture[] = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'fixtures.json'), 'utf8'));
const fx = (f: string) => path.join(FIXTURES, f);
/** tshark numbers interfaces per section; we number them over the file (two-sections: section 1 has 2 IDBs). */
const SECTION_BASES: Record<string, number[]> = { 'two-sections.pcapng': [0, 2] };

test('fixtures: every format and link-type variant equals tshark (count, caplen, wirelen, µs time, link type, interface)', async () => {
  const files = findCaptures(FIXTURES);
  assert.equal(files.length, manifest.length, 'fixtures.json lists every fixture');
  const problems = await pool(files, 2, async (f) => {
    const ts = await tsharkFields(f, FRAME_FIELDS);
    if (ts.length === 0) return `${f}: tshark saw no frames`;
    return compareWithTshark(f, readFrames([f]), ts, SECTION_BASES[path.basename(f)]);
  });
  assert.deepEqual(problems.filter((p) => p !== ''), []);
});

const IP_FIELDS = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.proto', 'ipv6.nxt', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'arp.src.proto_ipv4'];
const LINK_HEADER: Record<number, number> = { 1: 14, 113: 16, 276: 20, 0: 4, 108: 4, 101: 0, 228: 0, 229: 0 };

test('fixtures: link-type variants decode in tshark exactly like their Ethernet frames, and our frames carry the same network bytes', async () => {
  const base = manifest.find((m) => m.file === 'linktype-eth.pcap')!;
  const baseRows = await tsharkFields(fx(base.file), IP_FIELDS);
  const baseFrames = readFrames([fx(base.file)]);
  const baseNet = (i: number) => {
    // Hash of the frame after the 14-byte Ethernet header, from a fresh read (test only).
    return baseNetHash[i];
  };
  const baseNetHash: number[] = [];
  {
    const src = openCaptureFiles([fx(base.file)]);
    readAll(src, (b) => {
      for (let i = 0; i < b.count; i++) baseNetHash.push(fnv1a(b.data, b.offset[i] + 14, b.caplen[i] - 14));
    });
  }
  const variants = manifest.filter((m) => m.file.startsWith('linktype-') && m.file !== base.file);
  assert.equal(variants.length, 8);
  for (const v of variants) {
    const rows = await tsharkFields(fx(v.file), IP_FIELDS);
    const want = v.frames!.map((i) => baseRows[i]);
    assert.deepEqual(rows, want, `${v.file}: tshark decodes the same addresses and ports`);
    assert.ok(rows.some((r) => r[0] !== '') || rows.some((r) => r[2] !== ''), `${v.file} has IP frames`);
    const hdr = LINK_HEADER[v.linktype!];
    const src = openCaptureFiles([fx(v.file)]);
    let k = 0;
    readAll(src, (b) => {
      for (let i = 0; i < b.count; i++, k++) {
        const j = v.frames![k];
        assert.equal(b.linktype[i], v.linktype);
        assert.equal(b.caplen[i], baseFrames.caplen[j] - 14 + hdr);
        assert.equal(b.wirelen[i], baseFrames.wirelen[j] - 14 + hdr);
        assert.equal(b.tsUs[i], baseFrames.tsUs[j]);
        assert.equal(fnv1a(b.data, b.offset[i] + hdr, b.caplen[i] - hdr), baseNet(j), `${v.file} frame ${k + 1} network bytes`);
      }
    });
    assert.equal(k, v.frames!.length);
  }
});

test('fixtures: byte order, nanosecond, FCS-bit, block-kind and tsresol variants hold the seed frames', () => {
  const seed = readFrames([fx('linktype-eth.pcap')]);
  // tls-chrome34-google frames are base frames 0..19 and 71..92 of linktype-eth.pcap.
  const tlsIdx = [...Array(20).keys(), ...Array.from({ length: 22 }, (_, i) => 71 + i)];
  const tlsHash = tlsIdx.map((i) => seed.hash[i]);
  const tlsTs = tlsIdx.map((i) => seed.tsUs[i]);
  for (const f of ['tls-be.pcap', 'tls-nsec-be.pcap', 'tls-nsec-le.pcap', 'tls-fcsbits.pcap', 'tls-editcap.pcapng', 'tls-editcap-nsec.pcap', 'tls-be.pcapng', 'pb.pcapng', 'tsresol-ns.pcapng', 'tsresol-offset.pcapng', 'tsresol-pow2.pcapng']) {
    const r = readFrames([fx(f)]);
    assert.equal(r.error, null, f);
    assert.deepEqual(r.hash, tlsHash, `${f}: frame bytes`);
    // 2^-20 s units cannot hold every µs: stored floor(us * 2^20 / 1e6) reads back up to 1 µs low.
    if (f === 'tsresol-pow2.pcapng') r.tsUs.forEach((t, i) => assert.ok(tlsTs[i] - t >= 0 && tlsTs[i] - t <= 1, `${f} frame ${i + 1}`));
    else assert.deepEqual(r.tsUs, tlsTs, `${f}: timestamps (ns variants add < 1000 ns, truncated away)`);
  }
  const ms = readFrames([fx('tsresol-ms.pcapng')]);
  assert.deepEqual(ms.tsUs, tlsTs.map((t) => Math.floor(t / 1000) * 1000));
  const src = openCaptureFiles([fx('tls-fcsbits.pcap')]);
  readAll(src);
  assert.equal(src.fcsBytes, 4, 'FCS length from the upper link-type bits');
  // SPB: snap length 128 cuts the frame, the timestamp is the previous EPB's.
  const spb = readFrames([fx('spb.pcapng')]);
  assert.deepEqual(spb.caplen, tlsIdx.map((i) => Math.min(128, seed.caplen[i])));
  assert.deepEqual(spb.tsUs, tlsTs.map((_, i) => tlsTs[i - (i % 3)]));
  // Two sections with opposite byte orders: interfaces 0, 1 (section 1) and 2 (section 2).
  const two = readFrames([fx('two-sections.pcapng')]);
  const firstOf = (i: number) => two.iface.indexOf(i);
  assert.deepEqual([...new Set(two.iface)], [0, 1, 2]);
  assert.deepEqual([0, 1, 2].map((i) => two.linktype[firstOf(i)]), [1, 101, 1]);
  assert.deepEqual(two.hash.slice(15), tlsHash);
});

test('input: a directory and a list of files read in order as one input, with per-file stats and the current file', async () => {
  const files = findCaptures(FIXTURES);
  // Packets only: tshark also lists a pcapng custom block as a frame without encapsulation.
  const counts = await pool(files, 2, async (f) => (await tsharkFields(f, ['frame.encap_type'])).filter((r) => r[0] !== '').length);
  const src = openCaptureFiles([FIXTURES]);
  const seen: string[] = [];
  readAll(src, (b) => {
    const cur = src.currentFile;
    if (seen[seen.length - 1] !== cur) seen.push(cur);
    assert.equal(src.files()[(b as { file: number } & typeof b).file].path, cur);
  });
  assert.equal(src.error, null);
  assert.deepEqual(seen, files, 'every file, in name order, format decided by magic');
  assert.deepEqual(src.files().map((f) => f.frames), counts);
  assert.equal(src.stats().packets, counts.reduce((a, b) => a + b, 0));
  assert.equal(src.files().find((f) => f.path.endsWith('two-ifaces.pcapng'))!.interfaces, 2);
  // A file and a directory mixed, and a pcapng renamed .cap: decided by magic.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fennec-cap-'));
  try {
    fs.copyFileSync(fx('tls-be.pcapng'), path.join(tmp, 'a.cap'));
    fs.copyFileSync(fx('tls-nsec-le.pcap'), path.join(tmp, 'b.pcap'));
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'ignored: not a capture extension');
    const mixed = openCaptureFiles([fx('spb.pcapng'), tmp]);
    const r = readAll(mixed);
    assert.equal(r.error, null);
    assert.deepEqual(mixed.files().map((f) => [path.basename(f.path), f.format, f.frames]), [['spb.pcapng', 'pcapng', 42], ['a.cap', 'pcapng', 42], ['b.pcap', 'pcap', 42]]);
  } finally {
    fs.rmSync(tmp, { recursive: true });
  }
});

test('input: open errors are one-line messages naming the file', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fennec-cap-'));
  try {
    const missing = path.join(tmp, 'missing.pcap');
    assert.throws(() => openCaptureFiles([missing]), (e: Error) => e.message === `${missing}: no such file or directory`);
    const text = path.join(tmp, 'readme.pcap');
    fs.writeFileSync(text, 'this is not a capture file\n');
    assert.throws(() => openCaptureFiles([fx('spb.pcapng'), text]), (e: Error) => e.message.startsWith(`${text}: not a pcap or pcapng file`) && !e.message.includes('\n'));
    const empty = path.join(tmp, 'empty.pcapng');
    fs.writeFileSync(empty, '');
    assert.throws(() => openCaptureFiles([empty]), (e: Error) => e.message.startsWith(`${empty}: empty file`));
    const short = path.join(tmp, 'short.pcap');
    fs.writeFileSync(short, fs.readFileSync(fx('tls-be.pcap')).subarray(0, 10));
    assert.throws(() => openCaptureFiles([short]), (e: Error) => e.message.startsWith(`${short}: truncated pcap file header`));
    const emptyDir = path.join(tmp, 'nothing');
    fs.mkdirSync(emptyDir);
    assert.throws(() => openCaptureFiles([emptyDir]), (e: Error) => e.message.startsWith(`${emptyDir}: directory has no`));
    assert.throws(() => openCaptureFiles([]), /no capture files/);
    if (process.getuid && process.getuid() !== 0) {
      const locked = path.join(tmp, 'locked.pcap');
      fs.copyFileSync(fx('tls-be.pcap'), locked);
      fs.chmodSync(locked, 0);
      assert.throws(() => openCaptureFiles([locked]), (e: Error) => e.message === `${locked}: permission denied`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true });
  }
});

test('corpus seeds read as one multi-file input keep per-file frame counts', () => {
  const dir = path.join(SHARED, 'bench/seeds');
  const src = openCaptureFiles([dir]);
  const r = readAll(src);
  assert.equal(r.error, null);
  for (const f of src.files()) assert.equal(f.frames, readFrames([f.path]).caplen.length, f.path);
  assert.equal(src.stats().packets, r.frames);
});

test('pcapng: an ignorable block larger than the chunk is skipped unread; cut inside it is a truncation', async () => {
  const whole = fs.readFileSync(fx('tls-be.pcapng')); // big-endian: SHB, IDB, NRB, EPBs, ISB, custom
  const shbLen = whole.readUInt32BE(4);
  const idbEnd = shbLen + whole.readUInt32BE(shbLen + 4);
  const bodyLen = 20000;
  const big = Buffer.alloc(12 + 4 + bodyLen);
  big.writeUInt32BE(0x00000bad, 0);
  big.writeUInt32BE(big.length, 4);
  big.writeUInt32BE(32473, 8); // PEN
  big.fill(0x5a, 12, 12 + bodyLen);
  big.writeUInt32BE(big.length, big.length - 4);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fennec-cap-'));
  try {
    const f = path.join(tmp, 'bigblock.pcapng');
    fs.writeFileSync(f, Buffer.concat([whole.subarray(0, idbEnd), big, whole.subarray(idbEnd)]));
    const ref = readFrames([fx('tls-be.pcapng')]);
    for (const chunkBytes of [4096, 8192, undefined]) {
      const got = readFrames([f], { chunkBytes });
      assert.equal(got.error, null, `chunk ${chunkBytes}`);
      assert.deepEqual(got.hash, ref.hash);
      assert.deepEqual(got.tsUs, ref.tsUs);
    }
    assert.equal(compareWithTshark(f, readFrames([f], { chunkBytes: 4096 }), await tsharkFields(f, FRAME_FIELDS)), '');
    const cut = path.join(tmp, 'bigblock-cut.pcapng');
    fs.writeFileSync(cut, Buffer.concat([whole.subarray(0, idbEnd), big.subarray(0, 9000)]));
    const c = readFrames([cut], { chunkBytes: 4096 });
    assert.equal(c.hash.length, 0);
    assert.match(c.error ?? '', /truncated block/);
  } finally {
    fs.rmSync(tmp, { recursive: true });
  }
});

test('single consumer: next() releases the previous batch itself; a second release is ignored', () => {
  const src = openCaptureFiles([fx('linktype-eth.pcap')], { batchFrames: 10 });
  let frames = 0;
  let batches = 0;
  for (let b = src.next(0); b !== null; b = src.next(0)) {
    frames += b.count;
    batches++;
    if (batches % 3 === 0) {
      src.release(b);
      src.release(b);
    }
  }
  assert.equal(src.done, true);
  assert.equal(frames, 93);
  assert.equal(batches, 10);
  assert.equal(src.error, null);
});

#!/usr/bin/env node
// Builds test/fixtures/capture/* from real seed pcaps (../shared/bench/seeds): pcap/pcapng
// format variants and link-type variants. Deterministic; rerun after changing it and commit
// the output. Each fixture is listed in test/fixtures/capture/fixtures.json (what it is made
// of, and for link-type fixtures which base frames it holds) and README.md.
//   node scripts/make-capture-fixtures.mjs [seeds-dir]
// Needs editcap and mergecap (wireshark-common) for the variants written by Wireshark itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seeds = process.argv[2] ?? path.resolve(root, '../shared/bench/seeds');
const out = path.join(root, 'test/fixtures/capture');
fs.mkdirSync(out, { recursive: true });
const manifest = [];

// ---- classic pcap in (little-endian µs seeds only; checked) ----
function readPcap(file) {
  const b = fs.readFileSync(file);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: expected a little-endian µs pcap`);
  const linktype = b.readUInt32LE(20) & 0xffff;
  const recs = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = b.readUInt32LE(o + 8);
    recs.push({ sec: b.readUInt32LE(o), usec: b.readUInt32LE(o + 4), wire: b.readUInt32LE(o + 12), data: b.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return { linktype, recs };
}

// ---- writers ----
function u16(v, le) { const b = Buffer.alloc(2); le ? b.writeUInt16LE(v) : b.writeUInt16BE(v); return b; }
function u32(v, le) { const b = Buffer.alloc(4); le ? b.writeUInt32LE(v >>> 0) : b.writeUInt32BE(v >>> 0); return b; }
function u64(v, le) { const b = Buffer.alloc(8); le ? b.writeBigUInt64LE(BigInt.asUintN(64, v)) : b.writeBigUInt64BE(BigInt.asUintN(64, v)); return b; }
function pad4(b) { return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]); }

/** Classic pcap: opts.le, opts.nsec, opts.linktypeField (full 32-bit field), opts.snaplen. */
function writePcap(file, recs, opts) {
  const le = opts.le !== false;
  const parts = [u32(opts.nsec ? 0xa1b23c4d : 0xa1b2c3d4, le), u16(2, le), u16(4, le), u32(0, le), u32(0, le), u32(opts.snaplen ?? 262144, le), u32(opts.linktypeField, le)];
  for (const r of recs) {
    const frac = opts.nsec ? r.usec * 1000 + (r.nsExtra ?? 0) : r.usec;
    parts.push(u32(r.sec, le), u32(frac, le), u32(r.data.length, le), u32(r.wire, le), r.data);
  }
  fs.writeFileSync(path.join(out, file), Buffer.concat(parts));
}

function block(type, body, le) {
  const len = 12 + pad4(body).length;
  return Buffer.concat([u32(type, le), u32(len, le), pad4(body), u32(len, le)]);
}
function option(code, value, le) { return Buffer.concat([u16(code, le), u16(value.length, le), pad4(value)]); }
const optEnd = (le) => Buffer.alloc(4);

function shb(le, app) {
  return block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), u64(-1n, le), option(4, Buffer.from(app), le), optEnd(le)]), le);
}
/** IDB: tsresol byte (undefined = default µs), tsoffset seconds (BigInt) or undefined. */
function idb(le, linktype, snaplen, name, tsresol, tsoffset) {
  const opts = [option(2, Buffer.from(name), le)];
  if (tsresol !== undefined) opts.push(option(9, Buffer.from([tsresol]), le));
  if (tsoffset !== undefined) opts.push(option(14, u64(tsoffset, le), le));
  opts.push(optEnd(le));
  return block(1, Buffer.concat([u16(linktype, le), u16(0, le), u32(snaplen, le), ...opts]), le);
}
/** Timestamp of record r in interface units: tsresol byte (default 6), minus tsoffset seconds. */
function units(r, tsresol, tsoffset) {
  const us = (BigInt(r.sec) - (tsoffset ?? 0n)) * 1000000n + BigInt(r.usec);
  const t = tsresol ?? 6;
  if (t & 0x80) return (us << BigInt(t & 0x7f)) / 1000000n; // 2^-n
  if (t >= 6) return us * 10n ** BigInt(t - 6) + (t >= 9 ? BigInt(r.nsExtra ?? 0) * 10n ** BigInt(t - 9) : 0n);
  return us / 10n ** BigInt(6 - t);
}
function epb(le, ifid, r, tsresol, tsoffset, withFlags) {
  const ts = units(r, tsresol, tsoffset);
  const opts = withFlags ? Buffer.concat([option(2, u32(1, le), le), option(1, Buffer.from('fennec fixture'), le), optEnd(le)]) : Buffer.alloc(0);
  return block(6, Buffer.concat([u32(ifid, le), u32(Number(ts >> 32n), le), u32(Number(ts & 0xffffffffn), le), u32(r.data.length, le), u32(r.wire, le), pad4(r.data), opts]), le);
}
function spb(le, r, snaplen) {
  const data = snaplen && r.data.length > snaplen ? r.data.subarray(0, snaplen) : r.data;
  return block(3, Buffer.concat([u32(r.wire, le), pad4(data)]), le);
}
function pb(le, ifid, r) {
  const ts = units(r);
  return block(2, Buffer.concat([u16(ifid, le), u16(0, le), u32(Number(ts >> 32n), le), u32(Number(ts & 0xffffffffn), le), u32(r.data.length, le), u32(r.wire, le), pad4(r.data)]), le);
}
function nrb(le) {
  const rec = Buffer.concat([Buffer.from([192, 168, 4, 149]), Buffer.from('client.example\0')]);
  return block(4, Buffer.concat([u16(1, le), u16(rec.length, le), pad4(rec), u16(0, le), u16(0, le)]), le);
}
function isb(le, ifid, r) {
  const ts = units(r);
  return block(5, Buffer.concat([u32(ifid, le), u32(Number(ts >> 32n), le), u32(Number(ts & 0xffffffffn), le), option(4, u64(42n, le), le), optEnd(le)]), le);
}
function custom(le) { return block(0x00000bad, Buffer.concat([u32(32473, le), Buffer.from('fennec custom block')]), le); }

function add(file, made, extra = {}) { manifest.push({ file, made, ...extra }); }

// ---- base frames ----
const tls = readPcap(path.join(seeds, 'tls-chrome34-google.pcap')).recs; // 42 Ethernet IPv4/TCP
const v6 = readPcap(path.join(seeds, 'ipv6-icmp6.pcap')).recs; // 49 Ethernet IPv6
const sip = readPcap(path.join(seeds, 'udp-sip.pcap')).recs; // frames 4, 5 are ARP
const base = [...tls.slice(0, 20), sip[3], sip[4], ...v6, ...tls.slice(20)];
writePcap('linktype-eth.pcap', base, { linktypeField: 1 });
add('linktype-eth.pcap', 'tls-chrome34-google.pcap frames 1-20, udp-sip.pcap frames 4-5 (ARP), ipv6-icmp6.pcap (49), tls-chrome34-google.pcap frames 21-42; Ethernet', { linktype: 1, frames: base.map((_, i) => i) });

// ---- link-type variants: rewrite the Ethernet header of base frames ----
const ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd;
function ethType(d) { return d.readUInt16BE(12); }
function variant(file, linktype, linktypeField, keep, header, how) {
  const idx = [];
  const recs = [];
  base.forEach((r, i) => {
    if (!keep(ethType(r.data))) return;
    idx.push(i);
    const h = header(r.data);
    recs.push({ ...r, data: Buffer.concat([h, r.data.subarray(14)]), wire: r.wire - 14 + h.length });
  });
  writePcap(file, recs, { linktypeField });
  add(file, how, { linktype, frames: idx });
}
const ip = (t) => t === ETH_IPV4 || t === ETH_IPV6;
variant('linktype-sll.pcap', 113, 113, () => true, (d) => {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // packet type: to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  d.copy(h, 6, 6, 12); // source MAC
  h.writeUInt16BE(ethType(d), 14);
  return h;
}, 'linktype-eth.pcap with the 14-byte Ethernet header replaced by a 16-byte Linux cooked (SLL) header: packet type 0, ARPHRD_ETHER, source MAC, protocol = EtherType');
variant('linktype-sll2.pcap', 276, 276, () => true, (d) => {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ethType(d), 0);
  h.writeUInt32BE(2, 4); // interface index
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = 0; // packet type
  h[11] = 6;
  d.copy(h, 12, 6, 12);
  return h;
}, 'linktype-eth.pcap with a 20-byte Linux cooked v2 (SLL2) header: protocol, ifindex 2, ARPHRD_ETHER, packet type 0, source MAC');
const af = (t, v6af, le) => { const h = Buffer.alloc(4); const v = t === ETH_IPV4 ? 2 : v6af; le ? h.writeUInt32LE(v) : h.writeUInt32BE(v); return h; };
variant('linktype-null-le.pcap', 0, 0, ip, (d) => af(ethType(d), 24, true), 'IP frames of linktype-eth.pcap with a BSD NULL header: AF in little-endian host order (AF_INET 2, AF_INET6 24)');
variant('linktype-null-be.pcap', 0, 0, ip, (d) => af(ethType(d), 30, false), 'IP frames of linktype-eth.pcap with a BSD NULL header: AF in big-endian host order (AF_INET 2, AF_INET6 30 = Darwin)');
variant('linktype-loop.pcap', 108, 108, ip, (d) => af(ethType(d), 24, false), 'IP frames of linktype-eth.pcap with an OpenBSD LOOP header: AF in network order (AF_INET 2, AF_INET6 24)');
variant('linktype-raw.pcap', 101, 101, ip, () => Buffer.alloc(0), 'IP frames of linktype-eth.pcap, Ethernet header removed (LINKTYPE_RAW, version nibble decides)');
variant('linktype-ipv4.pcap', 228, 228, (t) => t === ETH_IPV4, () => Buffer.alloc(0), 'IPv4 frames of linktype-eth.pcap, Ethernet header removed (LINKTYPE_IPV4)');
variant('linktype-ipv6.pcap', 229, 229, (t) => t === ETH_IPV6, () => Buffer.alloc(0), 'IPv6 frames of linktype-eth.pcap, Ethernet header removed (LINKTYPE_IPV6)');

// ---- classic pcap format variants ----
// Nanosecond fixtures get a sub-µs part (0..999 ns) so truncation to µs is exercised.
const tlsNs = tls.map((r, i) => ({ ...r, nsExtra: (i * 137) % 1000 }));
writePcap('tls-be.pcap', tls, { le: false, linktypeField: 1 });
add('tls-be.pcap', 'tls-chrome34-google.pcap rewritten big-endian (magic a1b2c3d4 as written by a big-endian host)');
writePcap('tls-nsec-be.pcap', tlsNs, { le: false, nsec: true, linktypeField: 1 });
add('tls-nsec-be.pcap', 'tls-chrome34-google.pcap as big-endian nanosecond pcap, each frame + (i*137 % 1000) ns');
writePcap('tls-nsec-le.pcap', tlsNs, { nsec: true, linktypeField: 1 });
add('tls-nsec-le.pcap', 'tls-chrome34-google.pcap as little-endian nanosecond pcap, each frame + (i*137 % 1000) ns');
writePcap('tls-fcsbits.pcap', tls, { linktypeField: (1 | 0x04000000 | (2 << 28)) >>> 0 });
add('tls-fcsbits.pcap', 'tls-chrome34-google.pcap with the FCS-present bit and FCS length 2 (4 bytes) in the upper link-type field');

const tool = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
tool('editcap', ['-F', 'pcapng', path.join(seeds, 'tls-chrome34-google.pcap'), path.join(out, 'tls-editcap.pcapng')]);
add('tls-editcap.pcapng', 'editcap -F pcapng tls-chrome34-google.pcap');
tool('editcap', ['-F', 'nsecpcap', path.join(seeds, 'tls-chrome34-google.pcap'), path.join(out, 'tls-editcap-nsec.pcap')]);
add('tls-editcap-nsec.pcap', 'editcap -F nsecpcap tls-chrome34-google.pcap');
tool('mergecap', ['-F', 'pcapng', '-w', path.join(out, 'two-ifaces.pcapng'), path.join(out, 'linktype-eth.pcap'), path.join(out, 'linktype-raw.pcap')]);
add('two-ifaces.pcapng', 'mergecap -F pcapng linktype-eth.pcap linktype-raw.pcap (two IDBs: Ethernet and RAW, frames merged by time)');

// ---- pcapng written here: byte orders, sections, block kinds, timestamp units ----
function ng(file, parts, made) { fs.writeFileSync(path.join(out, file), Buffer.concat(parts)); add(file, made); }
const sectionBE = [shb(false, 'fennec make-capture-fixtures'), idb(false, 1, 262144, 'eth0'), nrb(false), ...tls.map((r, i) => epb(false, 0, r, undefined, undefined, i % 5 === 0)), isb(false, 0, tls[tls.length - 1]), custom(false)];
ng('tls-be.pcapng', sectionBE, 'big-endian pcapng of tls-chrome34-google.pcap: SHB, IDB, NRB, EPBs (every 5th with epb_flags + comment options), ISB, custom block');
const sectionLE = [shb(true, 'fennec make-capture-fixtures'), idb(true, 1, 262144, 'eth0'), idb(true, 101, 65535, 'raw0', 9), ...v6.slice(0, 10).map((r) => epb(true, 0, r)), ...tlsNs.slice(0, 5).map((r, i) => epb(true, 1, { ...r, data: r.data.subarray(14), wire: r.wire - 14 }, 9))];
ng('two-sections.pcapng', [...sectionLE, ...sectionBE], 'section 1 little-endian (IDB 0 Ethernet µs: 10 ipv6-icmp6 frames; IDB 1 RAW ns: 5 tls frames without Ethernet) followed by section 2 = tls-be.pcapng (big-endian, one Ethernet IDB)');
ng('tsresol-ns.pcapng', [shb(true, 'fennec'), idb(true, 1, 262144, 'eth0', 9), ...tlsNs.map((r) => epb(true, 0, r, 9))], 'tls-chrome34-google.pcap with if_tsresol 9 (ns), each frame + (i*137 % 1000) ns');
ng('tsresol-ms.pcapng', [shb(true, 'fennec'), idb(true, 1, 262144, 'eth0', 3), ...tls.map((r) => epb(true, 0, r, 3))], 'tls-chrome34-google.pcap with if_tsresol 3 (ms, times truncated to ms)');
ng('tsresol-pow2.pcapng', [shb(false, 'fennec'), idb(false, 1, 262144, 'eth0', 0x80 | 20), ...tls.map((r) => epb(false, 0, r, 0x80 | 20))], 'big-endian, tls-chrome34-google.pcap with if_tsresol 2^-20 s');
ng('tsresol-offset.pcapng', [shb(true, 'fennec'), idb(true, 1, 262144, 'eth0', 9, 1000000000n), ...tlsNs.map((r) => epb(true, 0, r, 9, 1000000000n))], 'tls-chrome34-google.pcap with if_tsresol 9 and if_tsoffset 1e9 s (stored times = real - 1e9 s)');
ng('spb.pcapng', [shb(true, 'fennec'), idb(true, 1, 128, 'eth0'), ...tls.map((r, i) => (i % 3 === 0 ? epb(true, 0, { ...r, data: r.data.subarray(0, 128) }) : spb(true, r, 128)))], 'tls-chrome34-google.pcap, snaplen 128: every 3rd frame an EPB (cut to 128 bytes), the others Simple Packet Blocks (no timestamp, cut to 128 by the snap length)');
ng('pb.pcapng', [shb(false, 'fennec'), idb(false, 1, 262144, 'eth0'), ...tls.map((r) => pb(false, 0, r))], 'big-endian, tls-chrome34-google.pcap in obsolete Packet Blocks (type 2)');

fs.writeFileSync(path.join(out, 'fixtures.json'), JSON.stringify(manifest, null, 1) + '\n');
const LT = { 0: 'NULL', 1: 'ETHERNET', 101: 'RAW', 108: 'LOOP', 113: 'LINUX_SLL', 228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2' };
const readme = [
  '# Capture fixtures',
  '',
  'Small captures made from real seed pcaps (`../shared/bench/seeds`) by `scripts/make-capture-fixtures.mjs`',
  '(deterministic; rerun it and commit the output). `fixtures.json` lists the same files in machine form:',
  'for the `linktype-*` files, `frames` are the indices of the `linktype-eth.pcap` frames each one holds,',
  'so a decoder test can compare a variant frame by frame with its Ethernet original.',
  '',
  'Every file is checked against tshark by `test/capture/formats.test.ts` (frame count, caplen, wire length,',
  'timestamp, link type, interface), and every `linktype-*` file decodes in tshark to the same IP addresses,',
  'protocols and ports as the Ethernet frames it was made from.',
  '',
  '| file | link type | made from |',
  '|---|---|---|',
  ...manifest.map((m) => `| \`${m.file}\` | ${m.linktype !== undefined ? `${m.linktype} ${LT[m.linktype]}` : ''} | ${m.made} |`),
  '',
];
fs.writeFileSync(path.join(out, 'README.md'), readme.join('\n'));
console.log(`wrote ${manifest.length} fixtures to ${path.relative(root, out)}`);

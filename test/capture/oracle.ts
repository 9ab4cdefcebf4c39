/**
 * Test helpers: run tshark (the oracle) over capture files, list the shared corpus, read a
 * file with our reader into plain arrays.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureFiles, type FileSourceOptions } from '../../sensor/capture/file.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/capture');
export const SHARED = path.resolve(ROOT, '../shared');

/** Every .pcap/.pcapng under dir, recursively, sorted. */
export function findCaptures(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findCaptures(p));
    else if (/\.(pcap|pcapng|cap)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** tshark's frames (one string[] per frame) and its complaint about a damaged file, if any. */
export interface TsharkRows extends Array<string[]> {
  damage?: string;
}

/** tshark -T fields over a file. Resolves even when tshark reports damage (exit 2 on a cut or corrupt file). */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): Promise<TsharkRows> {
  const args = ['-n', '-r', file, ...extra, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      const lines = stdout.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const rows: TsharkRows = lines.map((l) => l.split('\t'));
      const m = /(appears to be damaged or corrupt|cut short in the middle of a packet)[^\n]*(\n\(.*\))?/.exec(stderr);
      if (m) rows.damage = m[0].replace(/\n/g, ' ');
      resolve(rows);
    });
  });
}

/** Run fn over items, `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** tshark's frame.time_epoch ("1398362902.697485123") as integer µs, truncated; NaN when empty. */
export function epochToUs(s: string): number {
  if (s === '') return NaN;
  const neg = s.startsWith('-');
  const [sec, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const us = Number(sec) * 1e6 + Number((frac + '000000').slice(0, 6));
  return neg ? -us : us;
}

/** Wireshark WTAP_ENCAP (frame.encap_type) -> LINKTYPE for the link types in our corpus and fixtures. */
export const WTAP_TO_LINKTYPE: Record<string, number> = { '1': 1, '7': 101, '15': 0, '25': 113, '129': 228, '130': 229, '174': 108, '210': 276 };

export interface Frames {
  caplen: number[];
  wirelen: number[];
  tsUs: number[];
  linktype: number[];
  iface: number[];
  /** FNV-1a of each frame's bytes. */
  hash: number[];
  error: string | null;
}

export function fnv1a(d: Uint8Array, start: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + len; i++) h = Math.imul(h ^ d[i], 0x01000193);
  return h >>> 0;
}

/** Read paths with our reader into arrays (test-only allocation). */
export function readFrames(paths: string[], opts: FileSourceOptions = {}): Frames {
  const src = openCaptureFiles(paths, opts);
  const r: Frames = { caplen: [], wirelen: [], tsUs: [], linktype: [], iface: [], hash: [], error: null };
  while (!src.done) {
    const b = src.next(0);
    if (b === null) continue;
    for (let i = 0; i < b.count; i++) {
      r.caplen.push(b.caplen[i]);
      r.wirelen.push(b.wirelen[i]);
      r.tsUs.push(b.tsUs[i]);
      r.linktype.push(b.linktype[i]);
      r.iface.push(b.iface[i]);
      r.hash.push(fnv1a(b.data, b.offset[i], b.caplen[i]));
    }
    src.release(b);
  }
  r.error = src.error;
  return r;
}

/**
 * Compare our frames with tshark's (cap_len, len, time_epoch, encap_type, section_number,
 * interface_id). Our iface is a running index over the file's IDBs, tshark's is per section:
 * `sectionBases` maps tshark's section number to its first global index. SPB frames (no
 * timestamp in tshark) must carry the previous frame's timestamp. Returns a mismatch text or "".
 */
export function compareWithTshark(file: string, ours: Frames, ts: TsharkRows, sectionBases?: number[]): string {
  // A file tshark finds damaged must be damaged for us too, after the same frames.
  if (ts.damage === undefined && ours.error !== null) return `${file}: reader error ${ours.error}`;
  if (ts.damage !== undefined && ours.error === null) return `${file}: tshark says ${ts.damage}, we saw no damage`;
  // tshark 4.0 lists a pcapng custom block as a "frame" with no encapsulation: not a packet.
  ts = Object.assign(ts.filter((r) => r[3] !== ''), { damage: ts.damage });
  if (ours.caplen.length !== ts.length) return `${file}: ${ours.caplen.length} frames, tshark ${ts.length}`;
  let prevTs = 0;
  for (let i = 0; i < ts.length; i++) {
    const [cap, len, epoch, encap, section, iface] = ts[i];
    let want = epochToUs(epoch);
    if (Number.isNaN(want)) want = prevTs;
    prevTs = want;
    const where = `${file} frame ${i + 1}`;
    if (ours.caplen[i] !== Number(cap)) return `${where}: caplen ${ours.caplen[i]} != ${cap}`;
    if (ours.wirelen[i] !== Number(len)) return `${where}: wirelen ${ours.wirelen[i]} != ${len}`;
    if (ours.tsUs[i] !== want) return `${where}: tsUs ${ours.tsUs[i]} != ${want} (${epoch})`;
    if (encap in WTAP_TO_LINKTYPE && ours.linktype[i] !== WTAP_TO_LINKTYPE[encap]) return `${where}: linktype ${ours.linktype[i]} != encap ${encap}`;
    const base = sectionBases ? sectionBases[Number(section) - 1] : 0;
    if (iface !== undefined && iface !== '' && ours.iface[i] !== base + Number(iface)) return `${where}: iface ${ours.iface[i]} != ${base}+${iface}`;
  }
  return '';
}

export const FRAME_FIELDS = ['frame.cap_len', 'frame.len', 'frame.time_epoch', 'frame.encap_type', 'frame.section_number', 'frame.interface_id'];

/**
 * Test helpers shared by CLI tests: run `fennec run` with a ruleset on a capture and read
 * the EVE events back; tshark's captured bytes of given frames (frame_raw) as base64.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FENNEC } from './sv-case.js';

/** Captured bytes of the given frames, per tshark (frame_raw), as base64. */
export function tsharkFrames(pcap: string, frames: number[]): string[] {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', frames.map((f) => `frame.number==${f}`).join(' || '), '-T', 'json', '-x'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const docs = JSON.parse(out) as Array<{ _source: { layers: { frame_raw: [string] | string } } }>;
  return docs.map((d) => {
    const raw = d._source.layers.frame_raw;
    return Buffer.from(Array.isArray(raw) ? raw[0] : raw, 'hex').toString('base64');
  });
}

/** The EVE events of `fennec run --pcap pcap` with `rules` as the whole ruleset (`extra`: more CLI arguments). */
export function runEve<T>(pcap: string, rules: string, extra: string[] = []): T[] {
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-eve-'));
  try {
    writeFileSync(join(tmp, 'r.rules'), rules + '\n');
    execFileSync(process.execPath, [FENNEC, 'run', '--log-level', 'error', '--pcap', pcap, '--rules', join(tmp, 'r.rules'),
      '--eve', join(tmp, 'eve.json'), '--data-dir', join(tmp, 'data'), ...extra], { stdio: 'pipe' });
    return readFileSync(join(tmp, 'eve.json'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** sid → number of EVE alert events. */
export function alertCounts(events: ReadonlyArray<{ event_type: string; alert?: { signature_id: number } }>): Map<number, number> {
  const m = new Map<number, number>();
  for (const e of events) if (e.event_type === 'alert') m.set(e.alert!.signature_id, (m.get(e.alert!.signature_id) ?? 0) + 1);
  return m;
}

/**
 * filesize (rules/keywords/filesize.ts, HttpTx.fileSize) through the real CLI on real
 * captures; the oracle for a file's size is tshark's HTTP object export (dechunked and
 * decompressed body): detect-bidir/input.pcap serves /download.html (18070 bytes, plain),
 * detect-flow-pkts/input.pcap a POST (589-byte url-encoded body: not a file for Suricata,
 * which tracks PUT and multipart request bodies) and a gzip response for "/" (3651 bytes on
 * the wire, 11845 decompressed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertCounts, runEve } from './eve-run.js';
import { SV } from './fixtures.js';
import { parseRule } from '../../rules/parser.js';
import { makeContext } from '../../rules/loader.js';

/** sid → alert count for the rules on the capture. */
function run(pcap: string, rules: string[]): Map<number, number> {
  return alertCounts(runEve<Ev>(pcap, rules.join('\n')));
}

interface Ev { event_type: string; alert?: { signature_id: number } }

/** tshark --export-objects http: object name → size. */
function objects(pcap: string): Map<string, number> {
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-objs-'));
  try {
    execFileSync('tshark', ['-r', pcap, '-q', '--export-objects', `http,${tmp}`], { stdio: 'pipe' });
    return new Map(readdirSync(tmp).map((f) => [f, statSync(join(tmp, f)).size]));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('filesize on a plain HTTP response body: exact, ranges and negation around the tshark size', () => {
  const pcap = join(SV, 'detect-bidir/input.pcap');
  const n = objects(pcap).get('download.html')!;
  assert.equal(n, 18070);
  const got = run(pcap, [
    `alert http any any -> any any (msg:"eq"; filesize:${n}; sid:1;)`,
    `alert http any any -> any any (msg:"eq-1"; filesize:${n - 1}; sid:2;)`,
    `alert http any any -> any any (msg:"gt"; filesize:>${n - 1}; sid:3;)`,
    `alert http any any -> any any (msg:"gt n"; filesize:>${n}; sid:4;)`,
    `alert http any any -> any any (msg:"lt"; filesize:<${n + 1}; sid:5;)`,
    `alert http any any -> any any (msg:"range"; filesize:${n - 10}<>${n + 10}; sid:6;)`,
    `alert http any any -> any any (msg:"not"; filesize:!${n}; sid:7;)`,
    `alert http any any -> any any (msg:"ge"; filesize:>=${n}; sid:8;)`,
    `alert http any any -> any any (msg:"to_server: no file"; flow:to_server; filesize:>0; sid:9;)`,
    `alert http any any -> any any (msg:"with file.name"; file.name; content:"download.html"; filesize:${n}; sid:10;)`,
  ]);
  assert.deepEqual([...got.entries()].sort((a, b) => a[0] - b[0]), [[1, 1], [3, 1], [5, 1], [6, 1], [8, 1], [10, 1]]);
});

test('filesize counts the decompressed size of a gzip response; a url-encoded POST body is no file', () => {
  const pcap = join(SV, 'detect-flow-pkts/input.pcap');
  const o = objects(pcap);
  const gz = o.get('%2f')!, post = o.get('iavs4stats.cgi')!;
  assert.deepEqual([gz, post], [11845, 589]);
  const got = run(pcap, [
    `alert http any any -> any any (msg:"decompressed"; filesize:${gz}; sid:1;)`,
    `alert http any any -> any any (msg:"wire size"; filesize:3651; sid:2;)`,
    `alert http any any -> any any (msg:"post body"; filesize:${post}; sid:3;)`,
  ]);
  assert.deepEqual([...got.entries()], [[1, 1]]);
});

test('filesize parsing: Suricata uint grammar; direction only in => rules', () => {
  const ctx = makeContext();
  const parse = (t: string) => parseRule(t, 't', 1, ctx);
  for (const ok of ['filesize:100;', 'filesize: > 10 ;', 'filesize:5<>10;', 'filesize:!5;', 'filesize:>=9007199254740991;']) {
    const r = parse(`alert http any any -> any any (${ok} sid:1;)`);
    assert.ok(!('reason' in r), ok);
  }
  assert.ok(!('reason' in parse('alert http any any => any any (http.uri; content:"/d"; filesize: to_client, >100; sid:1;)')));
  for (const bad of ['filesize:abc;', 'filesize:10<>5;', 'filesize:-1;', 'filesize:to_client,>1;']) {
    const r = parse(`alert http any any -> any any (${bad} sid:1;)`);
    assert.ok('reason' in r, bad);
  }
});

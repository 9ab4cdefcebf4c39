/** `fennec reassemble`: per-direction files equal tcpflow's on the same capture; index.json describes them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { reassembleCommand } from '../../reassembly/cli.js';
import { SHARED } from '../helpers/paths.js';

const SEEDS = SHARED + '/bench/seeds';

/**
 * Bytes after the IP datagram in frames sent from "addr:port" (Ethernet padding, trailer,
 * FCS; hex). tcpflow writes them as stream data (it takes the frame length, not the IP total
 * length); tshark and we don't. The comparison accepts exactly that difference at the end.
 */
function paddings(pcap: string, ip: string, port: number): Set<string> {
  const r = spawnSync('tshark', ['-r', pcap, '-Y', `ip.src==${ip} && tcp.srcport==${port}`, '-T', 'fields', '-e', 'eth.padding', '-e', 'eth.trailer', '-e', 'eth.fcs'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  const out = new Set<string>();
  for (const line of (r.stdout ?? '').split('\n')) {
    const [pad = '', trl = '', fcs = ''] = line.split('\t').map((x) => x.trim().replace(/:/g, '').replace(/^0x/, ''));
    for (const c of [pad, trl, pad + trl, pad + fcs, trl + fcs, pad + trl + fcs]) if (c !== '') out.add(c);
  }
  return out;
}

function sameAsTcpflow(theirs: Buffer, mine: Buffer, pads: () => Set<string>): boolean {
  if (theirs.equals(mine)) return true;
  if (theirs.length <= mine.length || !theirs.subarray(0, mine.length).equals(mine)) return false;
  return pads().has(theirs.subarray(mine.length).toString('hex'));
}

/** tcpflow names a direction "AAA.BBB.CCC.DDD.PPPPP-AAA.BBB.CCC.DDD.PPPPP" (zero padded). */
function tcpflowName(src: string, sp: number, dst: string, dp: number): string {
  const a = (ip: string) => ip.split('.').map((x) => x.padStart(3, '0')).join('.');
  return `${a(src)}.${String(sp).padStart(5, '0')}-${a(dst)}.${String(dp).padStart(5, '0')}`;
}

for (const pcap of ['http-m57-long.pcap', 'smtp-sessions.pcap', 'pop3.pcap']) {
  test(`fennec reassemble ${pcap}: files equal tcpflow -r output, index lists bytes and gaps`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'fennec-cli-'));
    const tf = mkdtempSync(join(tmpdir(), 'tcpflow-'));
    try {
      const orig = process.stdout.write.bind(process.stdout);
      process.stdout.write = (() => true) as typeof process.stdout.write;
      let rc: number;
      try {
        rc = await reassembleCommand([join(SEEDS, pcap), '--out', out]);
      } finally {
        process.stdout.write = orig;
      }
      assert.equal(rc, 0);
      const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { sessions: Array<Record<string, unknown>> };
      assert.ok(index.sessions.length > 0);
      spawnSync('tcpflow', ['-r', join(SEEDS, pcap), '-o', tf], { stdio: 'ignore' });
      const theirs = new Set(readdirSync(tf));
      let compared = 0;
      for (const s of index.sessions) {
        const src = s.src_ip as string, dst = s.dest_ip as string, sp = s.src_port as number, dp = s.dest_port as number;
        const mine0 = readFileSync(join(out, s.file_toserver as string));
        const mine1 = readFileSync(join(out, s.file_toclient as string));
        assert.equal(mine0.length, (s.bytes_toserver as number) + (s.gaps_toserver as Array<[number, number]>).reduce((a, g) => a + g[1], 0));
        assert.equal(mine1.length, (s.bytes_toclient as number) + (s.gaps_toclient as Array<[number, number]>).reduce((a, g) => a + g[1], 0));
        const n0 = tcpflowName(src, sp, dst, dp);
        const n1 = tcpflowName(dst, dp, src, sp);
        // tcpflow appends "c0001"... when a 4-tuple repeats; compare only unambiguous ones.
        if (theirs.has(n0) && mine0.length > 0) {
          assert.ok(sameAsTcpflow(readFileSync(join(tf, n0)), mine0, () => paddings(join(SEEDS, pcap), src, sp)), `${n0}`);
          compared++;
        }
        if (theirs.has(n1) && mine1.length > 0) {
          assert.ok(sameAsTcpflow(readFileSync(join(tf, n1)), mine1, () => paddings(join(SEEDS, pcap), dst, dp)), `${n1}`);
          compared++;
        }
      }
      assert.ok(compared > 0, 'compared at least one direction with tcpflow');
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(tf, { recursive: true, force: true });
    }
  });
}

test('fennec reassemble: bad arguments exit 2 with a one-line reason', async () => {
  const orig = process.stderr.write.bind(process.stderr);
  const lines: string[] = [];
  process.stderr.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stderr.write;
  try {
    assert.equal(await reassembleCommand([]), 2);
    assert.equal(await reassembleCommand([join(SEEDS, 'pop3.pcap'), '--out', '/tmp/x', '--policy', 'nope']), 2);
    assert.equal(await reassembleCommand(['/nonexistent.pcap', '--out', '/tmp/fennec-x']), 2);
  } finally {
    process.stderr.write = orig;
  }
  assert.equal(lines.length, 3);
  for (const l of lines) assert.equal(l.trim().split('\n').length, 1);
});

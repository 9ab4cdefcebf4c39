/**
 * The CLI contract, through the real `bin/fennec.js` in child processes:
 * - `fennec run --pcap F --data-dir D` stores the flows in the embedded ClickHouse and exits 0;
 *   a NEW process `fennec serve --data-dir D --listen ...` returns them over HTTP (the store
 *   persists across restarts), the same records the run wrote to EVE;
 * - bad arguments and unreadable input exit non-zero with one line saying why;
 * - every command answers --help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, SHARED } from '../capture/oracle.js';

const BIN = path.join(ROOT, 'bin/fennec.js');
const fennec = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });

test('--help for every command', () => {
  for (const args of [['--help'], ['run', '--help'], ['serve', '--help'], ['reassemble', '--help'], ['rules', '--help'], ['config', '--help']]) {
    const r = fennec(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage|usage/);
  }
});

test('bad arguments and unreadable input: non-zero exit, one line on stderr', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-cli-'));
  try {
    const notPcap = path.join(dir, 'x.pcap');
    writeFileSync(notPcap, 'this is not a capture file at all');
    const cases: [string[], RegExp][] = [
      [['run', '--pcap', path.join(dir, 'missing.pcap'), '--data-dir', dir], /missing\.pcap/],
      [['run', '--pcap', notPcap, '--data-dir', dir], /x\.pcap/],
      [['run', '--data-dir', dir], /no input/],
      [['run', '--pcap', path.join(SHARED, 'bench/seeds/udp-ntp.pcap')], /store/],
      [['run', '--pcap', notPcap, '--data-dir', dir, '--workers', 'zero'], /--workers/],
      [['run', '--pcap', notPcap, '--data-dir', dir, '--bogus'], /bogus/],
      [['run', '--pcap', notPcap, '--data-dir', dir, '--set', 'no.such.key=1'], /unknown setting "no\.such\.key"/],
      [['run', '--pcap', notPcap, '--data-dir', dir, '--set', 'stream.midstream=maybe'], /stream\.midstream/],
      [['serve', '--data-dir', dir], /--listen/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, re] of cases) {
      const r = fennec(args);
      assert.notEqual(r.status, 0, args.join(' '));
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0], re);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function get(url: string): Promise<any> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return res.json();
}

test('run stores flows; a new serve process returns them (persistence across restarts)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-cli-'));
  const data = path.join(dir, 'data');
  const eve = path.join(dir, 'eve.json');
  const pcap = path.join(SHARED, 'bench/seeds/smtp-sessions.pcap');
  try {
    const r = fennec(['run', '--pcap', pcap, '--data-dir', data, '--eve', eve, '--workers', '2', '--log-level', 'warn']);
    assert.equal(r.status, 0, r.stderr);
    const events = readFileSync(eve, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event_type === 'flow');
    assert.ok(events.length >= 8, `${events.length} flow events`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const srv = spawn(process.execPath, [BIN, 'serve', '--data-dir', data, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    srv.stderr.on('data', (d) => { stderr += d; });
    try {
      let health: any = null;
      for (let i = 0; i < 150 && health === null; i++) {
        try { health = await get(`http://127.0.0.1:${port}/healthz`); } catch { await new Promise((res) => setTimeout(res, 200)); }
      }
      assert.ok(health, `serve did not come up: ${stderr}`);
      const flows: any[] = [];
      let url = `http://127.0.0.1:${port}/api/v1/flows?limit=3`;
      for (;;) {
        const page = await get(url);
        flows.push(...page.flows);
        if (page.next === null) break;
        url = `http://127.0.0.1:${port}/api/v1/flows?limit=3&cursor=${encodeURIComponent(page.next)}`;
      }
      assert.equal(flows.length, events.length);
      const byId = new Map(events.map((e) => [String(e.flow_id), e]));
      for (const f of flows) {
        const e = byId.get(String(f.flow_id));
        assert.ok(e, `flow ${f.flow_id} from the API is in the EVE output`);
        assert.equal(f.src_ip, e.src_ip);
        assert.equal(f.dest_ip, e.dest_ip);
        assert.equal(f.community_id, e.community_id);
        assert.equal(f.pkts_toserver, e.flow.pkts_toserver);
        assert.equal(f.bytes_toclient, e.flow.bytes_toclient);
      }
    } finally {
      srv.kill('SIGTERM');
      await new Promise((res) => srv.once('exit', res));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGINT during a run: every flow record emitted is stored before exit 0', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-cli-'));
  try {
    const pcap = path.join(dir, 'big.pcap');
    spawnSync('python3', [path.join(SHARED, 'tools/mkbench'), pcap, '256M', '--key', '5', '-q']);
    const data = path.join(dir, 'data'), eve = path.join(dir, 'eve.json');
    const run = spawn(process.execPath, [BIN, 'run', '--pcap', pcap, '--data-dir', data, '--eve', eve, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (d) => { stderr += d; });
    // Interrupt once the run is well under way (the EVE file has flow events).
    for (let i = 0; i < 300; i++) {
      await new Promise((res) => setTimeout(res, 100));
      try { if (readFileSync(eve, 'utf8').length > 10_000) break; } catch { /* not yet */ }
    }
    run.kill('SIGINT');
    const code = await new Promise<number | null>((res) => run.once('exit', res));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stopping: flushing flows and the store/);
    const events = readFileSync(eve, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event_type === 'flow');
    assert.ok(events.length > 100, `${events.length} flows before the interrupt`);
    // The store holds exactly the flows the run emitted (the interrupted flows included).
    const port = 20000 + Math.floor(Math.random() * 20000);
    const srv = spawn(process.execPath, [BIN, 'serve', '--data-dir', data, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], { stdio: 'ignore' });
    try {
      let stats: any = null;
      for (let i = 0; i < 150 && stats === null; i++) {
        try { stats = await get(`http://127.0.0.1:${port}/api/v1/flows/top?by=proto&metric=flows&limit=100`); } catch { await new Promise((res) => setTimeout(res, 200)); }
      }
      assert.ok(stats, 'serve came up');
      const stored = stats.top.reduce((n: number, t: any) => n + Number(t.flows), 0);
      assert.equal(stored, events.length);
    } finally {
      srv.kill('SIGTERM');
      await new Promise((res) => srv.once('exit', res));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated capture: the frames before the damage are processed and stored, exit 1 naming the offset', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fennec-cli-'));
  try {
    const cut = path.join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(path.join(SHARED, 'bench/seeds/http-bro-org.pcap')).subarray(0, 100_000));
    const eve = path.join(dir, 'eve.json');
    const r = fennec(['run', '--pcap', cut, '--data-dir', path.join(dir, 'data'), '--eve', eve, '--log-level', 'silent']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cut\.pcap: offset 99272: truncated record/);
    const flows = readFileSync(eve, 'utf8').trim().split('\n').filter((l) => l.includes('"event_type":"flow"'));
    assert.ok(flows.length >= 5, `${flows.length} flows from the frames before the damage`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

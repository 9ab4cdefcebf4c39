/**
 * `fennec run --interface` end to end, through the real CLI (bin/fennec.js): the 48 seed
 * pcaps, rewritten into our own namespace subnet, replayed with tcpreplay over a veth pair
 * whose ends sit in two namespaces this test creates (and removes, even on failure); the
 * sensor runs inside the capture namespace with the embedded store and the API. The flow
 * records it stores (read back through GET /api/v1/flows) must equal those of
 * `fennec run --pcap` on the same rewritten pcap: same flows, per-direction packets and bytes.
 * Also: /metrics counts the packets, an idle flow times out by wall clock while nothing
 * arrives, --user drops root in every thread, clear exit-2 errors, and DPDK's net_pcap vdev
 * through the CLI gives the offline flows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { VethPair, rewriteIntoSubnet, removeDir, type Rewritten } from './netns.js';
import { offlineFlows } from './flows.js';
import { SHARED } from '../helpers/paths.js';

const ROOT = join(import.meta.dirname, '../../..');
const FENNEC = join(ROOT, 'bin', 'fennec.js');
const SEEDS = SHARED + '/bench/seeds';
const seeds = readdirSync(SEEDS).filter((f) => f.endsWith('.pcap')).map((f) => join(SEEDS, f));
// Flows end for content reasons only (FIN/RST/reuse) or at shutdown: replay compresses the
// pcaps' idle gaps, so a timeout would end different flows live and offline.
const FOREVER = String(86400 * 365);
const NO_TIMEOUTS = ['tcp.new', 'tcp.established', 'tcp.closed', 'udp.new', 'udp.established', 'icmp.new', 'icmp.established',
  'default.new', 'default.established'].flatMap((k) => ['--set', `flow-timeouts.${k}=${FOREVER}`]);

let rw: Rewritten;
/** The rewritten seeds with one frame every 25 µs (see retime). */
let pcap: string;
let frames: number;
let work: string;
let offlineLines: string[];
const veth = new VethPair('run');

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** GET inside a namespace (the API listens on that namespace's loopback), or here when ns is null. */
async function get(ns: string | null, port: number, path: string): Promise<string> {
  const url = `http://127.0.0.1:${port}${path}`;
  if (ns === null) return (await fetch(url)).text();
  return execFileSync('ip', ['netns', 'exec', ns, 'curl', '-sf', '--max-time', '10', url], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

async function allFlows(ns: string | null, port: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = JSON.parse(await get(ns, port, `/api/v1/flows?limit=1000&sort=start&order=asc${cursor ? `&cursor=${cursor}` : ''}`)) as
      { flows: Record<string, unknown>[]; next: string | null };
    out.push(...page.flows);
    if (!page.next) return out;
    cursor = encodeURIComponent(page.next);
  }
}

/** What must be equal live and offline (not in_iface, flow_id, times): key, counts, bytes, state. */
function lineOf(f: Record<string, unknown>): string {
  const tcp = (f.tcp ?? {}) as Record<string, unknown>;
  return [f.src_ip, f.src_port, f.dest_ip, f.dest_port, f.proto, (f.vlan as number[]).join('.'), f.tunnel_depth,
    f.pkts_toserver, f.pkts_toclient, f.bytes_toserver, f.bytes_toclient, f.payload_bytes_toserver, f.payload_bytes_toclient,
    tcp.tcp_flags_ts ?? '', tcp.tcp_flags_tc ?? '', f.conn_state, f.history].join(' ');
}

interface Sensor {
  child: ChildProcess;
  port: number;
  ns: string | null;
  log: () => string;
  exited: Promise<number | null>;
}

/** Start the CLI (in `ns` when given) and wait for `ready` on its log. */
async function startSensor(ns: string | null, args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Sensor> {
  const port = await freePort();
  const argv = [FENNEC, ...args, '--api', `127.0.0.1:${port}`];
  const child = ns === null ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('ip', ['netns', 'exec', ns, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const t0 = Date.now();
  while (!ready.test(log)) {
    if (child.exitCode !== null) throw new Error(`fennec exited ${child.exitCode}: ${log}`);
    if (Date.now() - t0 > timeoutMs) { child.kill('SIGKILL'); throw new Error(`fennec not ready: ${log}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, ns, log: () => log, exited };
}

async function stopSensor(s: Sensor): Promise<void> {
  // `ip netns exec` execs node (same pid), so the signal reaches fennec itself.
  s.child.kill('SIGINT');
  const code = await s.exited;
  assert.equal(code, 0, s.log());
}

/** Sum of one metric's samples in a Prometheus text body. */
function metric(body: string, name: string, filter = ''): number {
  let sum = 0;
  for (const line of body.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) if (line.includes(filter)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Flow lines stored in `dataDir`, read through `fennec serve` (host namespace). */
async function serveLines(dataDir: string): Promise<string[]> {
  const port = await freePort();
  const child = spawn(process.execPath, [FENNEC, 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  try {
    await waitFor('fennec serve', async () => (/serving/.test(log) ? true : child.exitCode !== null ? Promise.reject(new Error(log)) : null), 30_000);
    return (await allFlows(null, port)).map(lineOf).sort();
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

/**
 * Give frame i the time T0 + 25 µs * i (classic pcap, µs). The merged seeds span 1999-2023;
 * replayed, those gaps vanish, while offline they exceed the longest timeout `--set` accepts
 * (one year): a DHCP flow present in two seeds years apart was then one flow live and two
 * offline. With the gaps gone from the file too, both read the same time line (flows end by
 * content or at shutdown) and the records must match one for one.
 */
function retime(src: string, dst: string): number {
  const tmp = `${dst}.tmp`;
  execFileSync('editcap', ['-F', 'pcap', src, tmp]);
  const b = readFileSync(tmp);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4, 'editcap writes little-endian µs pcap');
  const t0 = 1_700_000_000;
  let off = 24, i = 0;
  while (off + 16 <= b.length) {
    const us = i * 25;
    b.writeUInt32LE(t0 + Math.floor(us / 1e6), off);
    b.writeUInt32LE(us % 1e6, off + 4);
    off += 16 + b.readUInt32LE(off + 8);
    i++;
  }
  assert.equal(off, b.length);
  writeFileSync(dst, b);
  return i;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'fennec-run-'));
  rw = rewriteIntoSubnet(seeds, work);
  pcap = join(work, 'retimed.pcap');
  frames = retime(rw.path, pcap);
  veth.create();
  // The API of a sensor inside the capture namespace listens on that namespace's loopback.
  execFileSync('ip', ['-n', veth.nsRx, 'link', 'set', 'lo', 'up']);
  const dir = join(work, 'offline');
  const r = spawnSync(process.execPath, [FENNEC, 'run', '--pcap', pcap, '--data-dir', dir, ...NO_TIMEOUTS, '--log-level', 'warn'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  offlineLines = await serveLines(dir);
});

after(() => {
  veth.destroy();
  if (work) removeDir(work);
});

test('offline baseline through the store equals the in-process pipeline (sanity of the comparison)', () => {
  const direct = offlineFlows(pcap);
  assert.equal(frames, rw.frames);
  assert.ok(offlineLines.length > 800, `${offlineLines.length} flows`);
  assert.equal(offlineLines.length, direct.length);
});

async function liveRun(workers: number, capture = 'afpacket', iface = veth.ifRx, extra: string[] = [], rate: number | 'top' = workers === 1 ? 40_000 : 'top'): Promise<void> {
  const dir = join(work, `live-${capture}-${workers}`);
  const s = await startSensor(veth.nsRx, ['run', '--interface', iface, '--capture', capture, '--workers', String(workers), '--data-dir', dir,
    ...NO_TIMEOUTS, '--stats-interval', '1', ...extra], /"msg":"capturing"/);
  try {
    const r = veth.replay(pcap, rate);
    assert.equal(r.sent, frames);
    // Every replayed frame counted by the capture queues (workers report every second); stop
    // waiting when the count has not moved for 3 s.
    let last = -1, since = Date.now();
    const body = await waitFor('capture counters', async () => {
      const b = await get(s.ns, s.port, '/metrics');
      const n = metric(b, 'fennec_capture_packets_total');
      if (n !== last) { last = n; since = Date.now(); }
      return n >= frames || Date.now() - since > 3000 ? b : null;
    }, 30_000);
    assert.equal(metric(body, 'fennec_capture_packets_total'), frames, body.split('\n').filter((l) => /drops|packets_total|xdp/.test(l)).join('\n'));
    assert.ok(metric(body, 'fennec_capture_bytes_total') > 1e6);
    assert.equal(metric(body, 'fennec_capture_drops_total', 'where="kernel_ring"'), 0);
    assert.equal(metric(body, 'fennec_capture_drops_total', 'where="flow_memcap"'), 0);
    assert.match(body, new RegExp(`fennec_capture_packets_total\\{worker="0",iface="${iface}",capture="${capture}"\\} \\d+`));
    if (workers === 2 && capture === 'afpacket') {
      for (const w of ['0', '1']) assert.ok(metric(body, 'fennec_capture_packets_total', `worker="${w}"`) > 1000, body);
    }
    assert.ok(metric(body, 'fennec_decoder_events_total') > 0, 'decode events exported');
    const stats = JSON.parse(await get(s.ns, s.port, '/api/v1/stats')) as { sensor: { mode: string; workers: unknown[] }; loss: Record<string, number> };
    assert.equal(stats.sensor.mode, 'live');
    assert.equal(stats.sensor.workers.length, workers);
    assert.equal(stats.loss.kernel_ring, 0);
    assert.match(s.log(), /"msg":"capture stats"/);
  } finally {
    await stopSensor(s);
  }
  const live = await serveLines(dir);
  assert.deepEqual(live, offlineLines, diffLines(live, offlineLines));
}

/** The lines only one side has (for the failure message). */
function diffLines(live: string[], offline: string[]): string {
  const a = new Set(live), b = new Set(offline);
  return `live ${live.length} vs offline ${offline.length} flows; only live: ${JSON.stringify(live.filter((l) => !b.has(l)).slice(0, 5))}; `
    + `only offline: ${JSON.stringify(offline.filter((l) => !a.has(l)).slice(0, 5))}`;
}

test('fennec run --interface (AF_PACKET, 1 worker): stored flows equal offline; /metrics and /api/v1/stats count every packet', async () => {
  await liveRun(1);
});

test('fennec run --interface --workers 2 (AF_PACKET fanout): stored flows equal offline, both workers got packets', async () => {
  await liveRun(2);
});

test('fennec run --interface --capture afxdp (generic mode on veth): stored flows equal offline', async () => {
  await liveRun(1, 'afxdp');
});

test('fennec run --capture dpdk with the net_af_packet vdev on our veth: stored flows equal offline', async () => {
  // net_af_packet's own TPACKET ring: 16384 frames (its 512-frame default lost frames at
  // 20k pps while the JIT was cold: test/live/dpdk.test.ts).
  await liveRun(1, 'dpdk', 'net_af_packet0', [`--dpdk-args=--no-huge --no-pci -m 512 --no-shconf --file-prefix=fennec-runaf-${process.pid} --log-level=error `
    + `--vdev=net_af_packet0,iface=${veth.ifRx},qpairs=1,framesz=2048,framecnt=16384`], 20_000);
});

test('idle flows time out by wall clock while nothing arrives (udp.new=2 s), before shutdown', async () => {
  const small = join(work, 'udp.pcap');
  execFileSync('tshark', ['-r', pcap, '-Y', 'udp && !icmp && !icmpv6', '-c', '300', '-w', small, '-F', 'pcap']);
  const want = offlineFlows(small).length;
  assert.ok(want >= 1);
  const dir = join(work, 'idle');
  const s = await startSensor(veth.nsRx, ['run', '--interface', veth.ifRx, '--data-dir', dir, '--set', 'flow-timeouts.udp.new=2',
    '--set', 'flow-timeouts.udp.established=2', '--set', 'clickhouse.flush-interval-ms=200'], /"msg":"capturing"/);
  try {
    veth.replay(small, 1000);
    const t0 = Date.now();
    const flows = await waitFor('timed-out flows in the store', async () => {
      const f = await allFlows(s.ns, s.port);
      return f.length >= want ? f : null;
    }, 15_000);
    const waited = Date.now() - t0;
    assert.equal(flows.length, want);
    for (const f of flows) assert.equal(f.reason, 'timeout', JSON.stringify(f));
    // Not before the timeout: the flows' last packets came at most ~0.1 s into the wait.
    assert.ok(waited >= 1800, `flows ended after ${waited} ms`);
  } finally {
    await stopSensor(s);
  }
});

test('--user nobody: capture opened as root, then every thread of the sensor runs as uid 65534; flows still stored', async () => {
  const small = join(work, 'udp.pcap');
  const dir = join(work, 'user');
  execFileSync('chmod', ['0777', work]);
  const s = await startSensor(veth.nsRx, ['run', '--interface', veth.ifRx, '--workers', '2', '--user', 'nobody', '--data-dir', dir,
    '--set', 'clickhouse.flush-interval-ms=200'], /"msg":"capturing"/);
  try {
    const pid = s.child.pid!;
    const tasks = readdirSync(`/proc/${pid}/task`);
    assert.ok(tasks.length >= 3, `${tasks.length} threads`);
    for (const t of tasks) {
      const uid = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'));
      assert.deepEqual(uid?.slice(1).map(Number), [65534, 65534, 65534, 65534], `thread ${t}`);
    }
    const r = veth.replay(small, 1000);
    const body = await waitFor('packets', async () => {
      const b = await get(s.ns, s.port, '/metrics');
      return metric(b, 'fennec_capture_packets_total') >= r.sent ? b : null;
    }, 15_000);
    assert.equal(metric(body, 'fennec_capture_packets_total'), r.sent);
  } finally {
    await stopSensor(s);
  }
});

test('clear one-line errors, exit 2: missing interface, bad --capture, no permission, DPDK without ports', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [FENNEC, 'run', ...args, '--data-dir', join(work, 'err')], { encoding: 'utf8' });
  let r = run(['--interface', 'nosuchif0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^fennec: --interface: no network interface "nosuchif0"/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  r = run(['--interface', 'lo', '--capture', 'pf_ring']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown method "pf_ring"/);
  r = run(['--interface', 'lo', '--capture', 'afxdp', '--bpf', 'udp']);
  assert.equal(r.status, 2);
  // No permission (an unprivileged user): the shared NativeUnavailableError path, one line, exit 2.
  execFileSync('chmod', ['0777', work]);
  const u = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, FENNEC, 'run', '--interface', 'lo',
    '--data-dir', join(work, 'err-nobody')], { encoding: 'utf8' });
  assert.equal(u.status, 2, u.stderr);
  assert.match(u.stderr, /^fennec: AF_PACKET on lo is not available on this host: socket\(AF_PACKET\): EPERM .*CAP_NET_RAW/);
  assert.equal(u.stderr.trim().split('\n').length, 1);
  // DPDK with no device: the NativeUnavailableError path, one line, exit 2.
  r = run(['--interface', '0', '--capture', 'dpdk', `--dpdk-args=--no-huge --no-pci -m 256 --no-shconf --file-prefix=fennec-err-${process.pid} --log-level=error`]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr.trim().split('\n').pop()!, /^fennec: DPDK is not available on this host: EAL found no ports/);
});

test('fennec run --capture dpdk with the net_pcap vdev: stored flows equal offline reading of that pcap', async () => {
  const dir = join(work, 'dpdk');
  const s = await startSensor(null, ['run', '--interface', 'net_pcap0', '--capture', 'dpdk', '--data-dir', dir, ...NO_TIMEOUTS, '--stats-interval', '1',
    `--dpdk-args=--no-huge --no-pci -m 512 --no-shconf --file-prefix=fennec-run-${process.pid} --log-level=error --vdev=net_pcap0,rx_pcap=${pcap}`],
  /"msg":"capturing"/);
  try {
    const body = await waitFor('all frames read', async () => {
      const b = await get(null, s.port, '/metrics');
      return metric(b, 'fennec_capture_packets_total') >= frames ? b : null;
    }, 30_000);
    assert.equal(metric(body, 'fennec_capture_packets_total'), frames);
    assert.equal(metric(body, 'fennec_capture_drops_total'), 0);
    assert.match(body, /fennec_capture_drops_total\{worker="0",iface="net_pcap0",capture="dpdk",where="nic"\} 0/);
  } finally {
    await stopSensor(s);
  }
  const live = await serveLines(dir);
  assert.deepEqual(live, offlineLines, diffLines(live, offlineLines));
});

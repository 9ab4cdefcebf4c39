/**
 * Live capture benchmark: a mkbench pcap, rewritten into our own namespace subnet, is
 * replayed with tcpreplay into a veth inside namespaces this script creates, at increasing
 * rates. For each backend (afpacket, afxdp) x workers (1, 2) it reports the highest rate
 * with zero drops (kernel + ring) while every worker runs decode + flow tracking, and the
 * CPU per packet of the capture process; `tcpdump -w /dev/null` on the same veth in the
 * same run is the reference. Not a test: it prints numbers.
 *
 *   node dist/bench/capture.js [--size 64M] [--rates 50000,100000,150000,200000,top]
 *                              [--backends tcpdump,afpacket,afpacket:raw,afxdp] [--workers 1,2]
 * A ":raw" backend only touches each frame's first and last byte (capture cost alone, the
 * figure to hold against tcpdump's); the plain one runs decode + flow tracking per worker.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

interface WorkerResult { packets: number; bytes: number; drops: number; flows: number }

// ---------------------------------------------------------------- worker thread: one queue
async function workerMain(): Promise<void> {
  const { withNetns } = await import('../native/libc.js');
  const { openLiveSources } = await import('../sensor/capture/live.js');
  const { Pipeline } = await import('../sensor/pipeline.js');
  const { DEFAULT_FLOW_CONFIG } = await import('../sensor/flow/config.js');
  const d = workerData as { nsPath: string; iface: string; backend: 'afpacket' | 'afxdp'; raw: boolean; workers: number; queue: number; fanoutId: number; stop: SharedArrayBuffer };
  const stop = new Int32Array(d.stop);
  const [src] = withNetns(d.nsPath, () => openLiveSources({ iface: d.iface, capture: d.backend, workers: d.workers, queue: d.queue, fanoutId: d.fanoutId }));
  let flows = 0;
  const p = new Pipeline({ flow: { ...DEFAULT_FLOW_CONFIG, maxFlows: 131_072 }, defrag: {} }, () => { flows++; });
  parentPort!.postMessage('ready');
  let idle = 0, touched = 0;
  for (;;) {
    const b = src.next(20);
    if (b === null) {
      if (Atomics.load(stop, 0) === 1 && (idle += 20) >= 400) break;
      continue;
    }
    idle = 0;
    if (d.raw) {
      for (let i = 0; i < b.count; i++) touched += b.data[b.offset[i]] + b.data[b.offset[i] + b.caplen[i] - 1];
    } else {
      p.processBatch(b);
    }
    src.release(b);
  }
  p.finish();
  const st = src.stats();
  src.close();
  const r: WorkerResult = { packets: st.packets, bytes: st.bytes, drops: st.drops, flows: d.raw ? touched & 0 : flows };
  parentPort!.postMessage(r);
}

// ---------------------------------------------------------------- child process: N workers
async function childMain(args: string[]): Promise<void> {
  const [spec, nsPath, iface, workersS] = args;
  const [backend, mode] = spec.split(':');
  const workers = Number(workersS);
  const stop = new SharedArrayBuffer(4);
  const fanoutId = (process.pid * 7) & 0xffff;
  const ts: Worker[] = [];
  const results: Promise<WorkerResult>[] = [];
  for (let q = 0; q < workers; q++) {
    // One at a time: two threads attaching AF_XDP sockets to one interface at once race in
    // libxdp (the second gets EBUSY while the first attaches the XDP program).
    const w = new Worker(self, { workerData: { nsPath, iface, backend, raw: mode === 'raw', workers, queue: q, fanoutId, stop } });
    ts.push(w);
    const ready = new Promise<void>((res, rej) => { w.once('message', () => res()); w.once('error', rej); });
    results.push(new Promise((res, rej) => { w.on('message', (m) => { if (m !== 'ready') res(m); }); w.once('error', rej); }));
    await ready;
  }
  const cpu0 = process.cpuUsage();
  process.stdout.write('ready\n');
  await new Promise<void>((res) => process.stdin.once('data', () => res()));
  Atomics.store(new Int32Array(stop), 0, 1);
  const rs = await Promise.all(results);
  const cpu = process.cpuUsage(cpu0);
  const sum = rs.reduce((a, r) => ({ packets: a.packets + r.packets, bytes: a.bytes + r.bytes, drops: a.drops + r.drops, flows: a.flows + r.flows }), { packets: 0, bytes: 0, drops: 0, flows: 0 });
  process.stdout.write(JSON.stringify({ ...sum, cpuUs: cpu.user + cpu.system, perWorker: rs.map((r) => r.packets) }) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- main
function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

function waitLine(c: ChildProcess, re: RegExp, out: { s: string }): Promise<string> {
  return new Promise((res, rej) => {
    const on = (d: Buffer): void => {
      out.s += d.toString();
      const m = re.exec(out.s);
      if (m) { c.stdout!.off('data', on); res(m[0]); }
    };
    c.stdout!.on('data', on);
    c.once('exit', (code) => rej(new Error(`child exited ${code}: ${out.s}`)));
  });
}

function procCpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // utime + stime, USER_HZ = 100
}

interface Trial { rate: string; sent: number; achievedPps: number; captured: number; drops: number; cpuUs: number }

async function main(): Promise<void> {
  const { VethPair, rewriteIntoSubnet, removeDir } = await import('../test/live/netns.js');
  const size = arg('size', '64M');
  const rates = arg('rates', '50000,100000,150000,200000,top').split(',');
  const backends = arg('backends', 'tcpdump,afpacket:raw,afpacket,afxdp:raw,afxdp').split(',');
  const workerCounts = arg('workers', '1,2').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'fennec-bench-'));
  const veth = new VethPair('bch');
  try {
    const raw = join(dir, 'bench.pcap');
    execFileSync('python3', [new URL('../../../shared/tools/mkbench', import.meta.url).pathname, raw, size, '-q']);
    const rw = rewriteIntoSubnet([raw], dir);
    console.log(`pcap: mkbench ${size}, ${rw.frames} frames after rewrite into 10.77.0.0/16 + fd77::/64 (${rw.dropped} dropped)`);
    veth.create({ rxQueues: 2 });
    const rows: string[] = [];
    for (const backend of backends) {
      for (const workers of backend === 'tcpdump' ? [1] : workerCounts) {
        let best: Trial | null = null;
        const trials: Trial[] = [];
        for (const rate of rates) {
          let t: Trial;
          if (backend === 'tcpdump') {
            const c = spawn('ip', ['netns', 'exec', veth.nsRx, 'tcpdump', '-i', veth.ifRx, '-w', '/dev/null', '-n', '-B', '65536'], { stdio: ['ignore', 'pipe', 'pipe'] });
            const err = { s: '' };
            c.stderr!.on('data', (d) => (err.s += d));
            while (!/listening on/.test(err.s)) await new Promise((r) => setTimeout(r, 20));
            const cpu0 = procCpuUs(c.pid!);
            const r = veth.replay(rw.path, rate === 'top' ? 'top' : Number(rate));
            // tcpdump's libpcap ring retires a block after 1 s: wait for it before SIGINT
            await new Promise((res) => setTimeout(res, 1500));
            const cpu = procCpuUs(c.pid!) - cpu0;
            c.kill('SIGINT');
            await new Promise((res) => c.once('exit', res));
            const got = Number(/(\d+) packets captured/.exec(err.s)?.[1] ?? 0);
            const dropped = Number(/(\d+) packets dropped by kernel/.exec(err.s)?.[1] ?? 0);
            t = { rate, sent: r.sent, achievedPps: Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(r.out)?.[1] ?? 0), captured: got, drops: dropped + Math.max(0, r.sent - got - dropped), cpuUs: cpu };
          } else {
            const c = spawn(process.execPath, [self, '--child', backend, veth.nsRxPath, veth.ifRx, String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
            const out = { s: '' };
            await waitLine(c, /ready\n/, out);
            const r = veth.replay(rw.path, rate === 'top' ? 'top' : Number(rate));
            c.stdin!.write('stop\n');
            const line = await waitLine(c, /\{.*\}\n/, out);
            const res = JSON.parse(line) as WorkerResult & { cpuUs: number };
            t = { rate, sent: r.sent, achievedPps: Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(r.out)?.[1] ?? 0), captured: res.packets, drops: res.drops + Math.max(0, r.sent - res.packets - res.drops), cpuUs: res.cpuUs };
          }
          trials.push(t);
          console.log(`${backend} x${workers} rate=${rate} achieved=${t.achievedPps.toFixed(0)}pps sent=${t.sent} captured=${t.captured} lost=${t.drops} cpu/pkt=${(t.cpuUs * 1000 / Math.max(1, t.captured)).toFixed(0)}ns`);
          if (t.drops === 0 && t.captured === t.sent) best = t;
          else break; // rates increase: stop at the first loss
        }
        rows.push(best
          ? `${backend.padEnd(13)} workers=${workers}  zero-drop up to ${best.achievedPps.toFixed(0)} pps (${best.rate})  cpu ${(best.cpuUs * 1000 / best.captured).toFixed(0)} ns/packet`
          : `${backend.padEnd(13)} workers=${workers}  drops already at ${trials[0]?.rate}`);
      }
    }
    console.log('\nsummary (rxdropped on the veth: ' + veth.rxDropped() + ')');
    for (const r of rows) console.log(r);
  } finally {
    veth.destroy();
    if (existsSync(dir)) removeDir(dir);
  }
}

if (!isMainThread) await workerMain();
else if (process.argv[2] === '--child') await childMain(process.argv.slice(3));
else await main();

/**
 * Test/bench support: two network namespaces of our own joined by a veth pair, pcaps
 * rewritten into our own subnet, replay from one namespace, capture in the other.
 * Nothing here touches the host's interfaces; `destroy()` removes everything and is safe to
 * call twice or after a half-finished setup.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { CaptureSource, FrameBatch } from '../../sensor/capture/source.js';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SUBNET4 = '10.77.0.0/16';
export const SUBNET6 = 'fd77::/64';

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
}

export class VethPair {
  /** Namespace that sends (tcpreplay runs here) and its veth end. */
  readonly nsTx: string;
  readonly ifTx: string;
  /** Namespace that captures and its veth end. */
  readonly nsRx: string;
  readonly ifRx: string;

  constructor(tag: string) {
    const id = `${tag}${process.pid % 100000}`;
    this.nsTx = `fennec-tx-${id}`;
    this.nsRx = `fennec-rx-${id}`;
    this.ifTx = `ft${id}`.slice(0, 15);
    this.ifRx = `fr${id}`.slice(0, 15);
  }

  get nsRxPath(): string {
    return `/var/run/netns/${this.nsRx}`;
  }

  create(opts: { mtu?: number; rxQueues?: number } = {}): this {
    this.destroy();
    run('ip', ['netns', 'add', this.nsTx]);
    run('ip', ['netns', 'add', this.nsRx]);
    const q = opts.rxQueues ?? 1;
    run('ip', ['-n', this.nsTx, 'link', 'add', this.ifTx, 'numtxqueues', String(q), 'numrxqueues', String(q), 'type', 'veth',
      'peer', 'name', this.ifRx, 'netns', this.nsRx, 'numtxqueues', String(q), 'numrxqueues', String(q)]);
    for (const [ns, dev] of [[this.nsTx, this.ifTx], [this.nsRx, this.ifRx]]) {
      // No addresses and no IPv6 on either end: the kernel then sends nothing of its own
      // (no DAD, router solicitations, MLD) and every captured frame is a replayed one.
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
      run('ip', ['-n', ns, 'link', 'set', dev, 'mtu', String(opts.mtu ?? 9000), 'up']);
      spawnSync('ip', ['netns', 'exec', ns, 'ethtool', '-K', dev, 'gro', 'off', 'tso', 'off', 'gso', 'off'], { stdio: 'ignore' });
    }
    return this;
  }

  /** Replay a pcap out of the tx end. `rate`: packets per second, or 'top' for --topspeed. */
  replay(pcap: string, rate: number | 'top', extra: string[] = []): { sent: number; failed: number; out: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.nsTx, 'tcpreplay', '-i', this.ifTx,
      ...(rate === 'top' ? ['--topspeed'] : ['--pps', String(rate)]), ...extra, pcap], { encoding: 'utf8' });
    const out = (r.stdout ?? '') + (r.stderr ?? '');
    if (r.status !== 0) throw new Error(`tcpreplay failed: ${out}`);
    const sent = Number(/Successful packets:\s+(\d+)/.exec(out)?.[1] ?? NaN);
    const failed = Number(/Failed packets:\s+(\d+)/.exec(out)?.[1] ?? NaN);
    return { sent, failed, out };
  }

  /**
   * Replay while reading `sources` on this thread: tcpreplay runs as a child, the loop reads
   * every source with a short poll timeout and yields to the event loop between rounds so
   * the child's exit is seen; after the exit it drains until every source has been idle for
   * `idleMs` (longer than the ring's block retire timeout).
   */
  async replayAndCapture(pcap: string, rate: number | 'top', sources: CaptureSource[], onBatch: (src: number, b: FrameBatch) => void,
    idleMs = 300): Promise<{ sent: number; failed: number; out: string }> {
    const child = spawn('ip', ['netns', 'exec', this.nsTx, 'tcpreplay', '-i', this.ifTx,
      ...(rate === 'top' ? ['--topspeed'] : ['--pps', String(rate)]), pcap], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let code: number | null = null;
    let exited = false;
    child.on('exit', (c) => { exited = true; code = c; });
    let idleSince = 0;
    for (;;) {
      let got = 0;
      for (let i = 0; i < sources.length; i++) {
        for (let k = 0; k < 64; k++) {
          const b = sources[i].next(k === 0 ? 5 : 0);
          if (b === null) break;
          got += b.count;
          onBatch(i, b);
          sources[i].release(b);
        }
      }
      await new Promise((r) => setImmediate(r));
      if (!exited) continue;
      const now = Date.now();
      if (got > 0 || idleSince === 0) idleSince = now;
      else if (now - idleSince >= idleMs) break;
    }
    if (code !== 0) throw new Error(`tcpreplay exited with ${code}: ${out}`);
    const sent = Number(/Successful packets:\s+(\d+)/.exec(out)?.[1] ?? NaN);
    const failed = Number(/Failed packets:\s+(\d+)/.exec(out)?.[1] ?? NaN);
    return { sent, failed, out };
  }

  /** Packets the receiving kernel dropped before any socket saw them (backlog, etc.). */
  rxDropped(): number {
    const s = run('ip', ['-n', this.nsRx, '-s', '-j', 'link', 'show', this.ifRx]);
    const j = JSON.parse(s)[0];
    return Number(j.stats64?.rx?.dropped ?? 0);
  }

  destroy(): void {
    for (const ns of [this.nsTx, this.nsRx]) {
      if (existsSync(`/var/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
  }
}

/** Frame numbers (1-based) whose addresses are not all inside our subnets. */
function outsideFrames(pcap: string): number[] {
  const out = run('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'ip.addr', '-e', 'ipv6.addr',
    '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4']);
  const bad: number[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [num, ...cols] = line.split('|');
    const addrs = cols.join(',').split(',').filter((a) => a !== '');
    if (addrs.some((a) => !(a.includes(':') ? /^fd77::[0-9a-f]{1,4}$/.test(a) || a === 'fd77::' : a.startsWith('10.77.')))) bad.push(Number(num));
  }
  return bad;
}

export interface Rewritten {
  path: string;
  frames: number;
  dropped: number;
  dir: string;
}

/**
 * Rewrite every IPv4 address into 10.77.0.0/16 and every IPv6 address into fd77::/64
 * (tcprewrite --pnat keeps host bits), then drop the frames that still carry an outside
 * address (tunnelled inner headers, ICMP-quoted headers, Teredo) and check with tshark that
 * none is left. The result is what may be replayed.
 */
export function rewriteIntoSubnet(inputs: string[], dir = mkdtempSync(join(tmpdir(), 'fennec-live-'))): Rewritten {
  const merged = join(dir, 'merged.pcap');
  if (inputs.length === 1) run('cp', [inputs[0], merged]);
  else run('mergecap', ['-a', '-w', merged, ...inputs]);
  const pnat = join(dir, 'pnat.pcap');
  // tcprewrite 4.4.3 (Debian 12) only matches IPv6 --pnat entries given as /128 (a /64 or
  // /0 entry silently leaves addresses alone, checked with tshark), so every distinct IPv6
  // address gets its own /128 entry, fd77::N. IPv4 prefixes work: 0/0 keeps the low 16 bits.
  const v6 = new Set<string>();
  for (const line of run('tshark', ['-r', merged, '-T', 'fields', '-E', 'separator=,', '-e', 'ipv6.addr']).split('\n')) {
    for (const a of line.split(',')) if (a) v6.add(a);
  }
  const map = ['0.0.0.0/0:10.77.0.0/16'];
  let n = 1;
  for (const a of v6) map.push(`[${a}]/128:[fd77::${(n++).toString(16)}]/128`);
  run('tcprewrite', [`--pnat=${map.join(',')}`, '-i', merged, '-o', pnat]);
  const bad = outsideFrames(pnat);
  const out = join(dir, 'rewritten.pcap');
  if (bad.length === 0) {
    run('cp', [pnat, out]);
  } else {
    // editcap deletes the listed frames; pass them in chunks to stay under ARG_MAX.
    let src = pnat;
    const sorted = bad.sort((a, b) => a - b);
    const chunk = 2000;
    for (let i = 0, step = 0; i < sorted.length; i += chunk, step++) {
      // Later chunks' numbers shift down by the frames already deleted.
      const shift = i;
      const dst = join(dir, `drop${step}.pcap`);
      run('editcap', [src, dst, ...sorted.slice(i, i + chunk).map((n) => String(n - shift))]);
      src = dst;
    }
    run('cp', [src, out]);
  }
  const left = outsideFrames(out);
  if (left.length !== 0) throw new Error(`rewrite left ${left.length} frames with outside addresses`);
  const frames = Number(/Number of packets:\s+(\d+)/.exec(run('capinfos', ['-c', '-M', out]))?.[1]);
  return { path: out, frames, dropped: bad.length, dir };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

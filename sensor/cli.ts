/**
 * The `fennec` command line. Each subcommand parses its own flags strictly (an unknown flag
 * is an error) and answers `--help`. Exit codes: 0 success, 1 the work failed (damaged input
 * after processing what came before the damage, store failure), 2 bad arguments, config or
 * unreadable input (one line on stderr saying why).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { applySet, ConfigError, defaultConfig, knownKeys, loadConfigFile, type FennecConfig } from './config.js';
import { resolveCaptureFiles } from './capture/file.js';
import { runOffline, type RecordSink } from './run.js';
import { openStore, type Store } from './output/clickhouse.js';
import type { StoreConfig } from './output/store-config.js';
import type { FlowRecord } from './flow/record.js';
import type { AlertRecord } from './output/alert-record.js';
import type { SensorConfig } from './build.js';
import { loadDetectRuleset } from '../rules/detect/stage.js';
import { createReloadSignal, RulesReloader } from '../rules/reload.js';
import { EveWriter } from './output/eve.js';
import { existsSync } from 'node:fs';
import { NativeUnavailableError } from '../native/unavailable.js';
import type { LiveSnapshot } from './live-run.js';
import type { CaptureMethod } from './capture/live.js';
import type { FanoutMode } from './capture/afpacket.js';

const VERSION = '0.1.0';

class UsageError extends Error {}

const MAIN_HELP = `fennec ${VERSION} — network sensor: capture, flows, TCP reassembly, Suricata-compatible rules, ClickHouse, HTTP API

Usage: fennec <command> [options]

Commands:
  run          process capture files (or a live interface) into the flow store
  serve        serve the HTTP API over an existing store
  reassemble   write each direction of every TCP session to its own file (like tcpflow)
  rules check  load a ruleset and report what loads and what is skipped, and why
  config keys  list the settings --set and --config accept

Run 'fennec <command> --help' for a command's options.`;

const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  clickhouse: { type: 'string' },
  'ch-user': { type: 'string' },
  'ch-password': { type: 'string' },
  'ch-database': { type: 'string' },
} as const;

const RUN_HELP = `Usage: fennec run --pcap FILE|DIR [--pcap ...] (--data-dir DIR | --clickhouse URL) [options]
       fennec run --interface IF [--capture METHOD] (--data-dir DIR | --clickhouse URL) [options]

Process capture files into the flow store and exit when they are done (keep serving with --api),
or capture live from an interface until SIGINT/SIGTERM (docs/capture.md).

Input:
  --pcap FILE|DIR        pcap or pcapng file, or a directory of them (repeatable; read in order)
  --mmap                 map capture files instead of read(2) (no copy; measured no faster on a
                         2-core VM, see sensor/capture/file-NOTES.md)
  --interface IF         capture live from IF instead (a DPDK port name or id with --capture dpdk)
Live capture:
  --capture METHOD       afpacket (default), afxdp, dpdk or netmap; one capture queue per worker
  --fanout MODE          AF_PACKET fanout across workers: hash (default, symmetric), cpu, qm, lb
  --bpf EXPR             pcap-filter(7) expression applied in the kernel (afpacket)
  --dpdk-args='ARGS'     DPDK EAL arguments (with '='), e.g. --dpdk-args='--no-huge --no-pci --vdev=net_pcap0,rx_pcap=F'
  --user NAME            drop root to NAME once every capture queue is open
  --stats-interval SEC   capture counters per worker to the log, /api/v1/stats and /metrics (default 10)
Store (one of):
  --data-dir DIR         embedded ClickHouse (chDB) persisted in DIR (created if missing)
  --clickhouse URL       a ClickHouse server, e.g. http://127.0.0.1:8123
  --ch-user U --ch-password P --ch-database DB   credentials / database for --clickhouse
Processing:
  --workers N            packet workers (default 1); results are identical for any N
  --rules FILE|DIR       Suricata rules to load
  --eve PATH             write EVE JSON lines (alert and flow events) to PATH
  --config FILE          settings in suricata.yaml layout (YAML)
  --set KEY=VALUE        one setting (repeatable; after --config); 'fennec config keys' lists them
Serving:
  --api HOST:PORT        also serve the HTTP API, and keep running after the input ends
Other:
  --log-level LEVEL      pino level (default info); logs go to stderr
  -h, --help`;

const SERVE_HELP = `Usage: fennec serve (--data-dir DIR | --clickhouse URL) --listen HOST:PORT [--log-level LEVEL]

Serve the HTTP API (docs/api.md; OpenAPI at /api/v1/openapi.json) over an existing store.`;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

function hostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${flag} expects HOST:PORT, got "${v}"`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port };
}

function storeConfig(v: Record<string, unknown>, cfg: FennecConfig): StoreConfig {
  const tuning = {
    database: (v['ch-database'] as string | undefined) ?? cfg.store.database,
    ttlDays: cfg.store.ttlDays, batchRows: cfg.store.batchRows, flushIntervalMs: cfg.store.flushIntervalMs,
  };
  if (v.clickhouse && v['data-dir']) throw new UsageError('give either --data-dir or --clickhouse, not both');
  if (typeof v.clickhouse === 'string') {
    let url: URL;
    try { url = new URL(v.clickhouse); } catch { throw new UsageError(`--clickhouse: not a URL: "${v.clickhouse}"`); }
    return { kind: 'remote', url: url.toString(), username: v['ch-user'] as string | undefined, password: v['ch-password'] as string | undefined, ...tuning };
  }
  if (typeof v['data-dir'] === 'string') {
    try { mkdirSync(v['data-dir'], { recursive: true }); } catch (e) { throw new UsageError(`--data-dir: ${(e as Error).message.split('\n')[0]}`); }
    return { kind: 'embedded', dataDir: v['data-dir'], ...tuning };
  }
  throw new UsageError('a store is needed: --data-dir DIR (embedded) or --clickhouse URL');
}

function streamSettings(cfg: FennecConfig): SensorConfig['stream'] {
  const s = cfg.stream;
  return { enabled: s.enabled, depth: s.depth, memcap: s.memcap, policy: s.policy, inline: s.inline, midstream: s.midstream, toServerChunk: s.toServerChunk, toClientChunk: s.toClientChunk };
}

function buildConfig(v: Record<string, unknown>): FennecConfig {
  const cfg = defaultConfig();
  if (typeof v.config === 'string') loadConfigFile(cfg, v.config);
  for (const kv of (v.set as string[] | undefined) ?? []) applySet(cfg, kv);
  return cfg;
}

function logger(level: unknown): Logger {
  const l = typeof level === 'string' ? level : 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(l)) throw new UsageError(`--log-level: unknown level "${l}"`);
  return pino({ level: l, base: { name: 'fennec' } }, pino.destination(2));
}

async function runCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, {
    ...STORE_OPTIONS,
    pcap: { type: 'string', multiple: true },
    mmap: { type: 'boolean' },
    interface: { type: 'string' },
    capture: { type: 'string' },
    fanout: { type: 'string' },
    bpf: { type: 'string' },
    'dpdk-args': { type: 'string' },
    user: { type: 'string' },
    'stats-interval': { type: 'string' },
    workers: { type: 'string' },
    rules: { type: 'string' },
    eve: { type: 'string' },
    config: { type: 'string' },
    set: { type: 'string', multiple: true },
    api: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (v.help) { process.stdout.write(RUN_HELP + '\n'); return 0; }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const workers = v.workers === undefined ? 1 : Number(v.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers expects a whole number from 1 to 256, got "${v.workers}"`);
  const live = v.interface !== undefined ? liveOptions(v) : null;
  if (live && v.pcap) throw new UsageError('give either --pcap or --interface, not both');
  if (!live && (!v.pcap || v.pcap.length === 0)) throw new UsageError('no input: give --pcap FILE|DIR or --interface IF');
  const cfg = buildConfig(v);
  // Check the input before opening anything (a bad path is a one-line error, exit 2).
  if (!live) try { resolveCaptureFiles(v.pcap!); } catch (e) { throw new UsageError((e as Error).message.split('\n')[0]); }
  const api = v.api ? hostPort(v.api, '--api') : null;
  const sc = storeConfig(v, cfg);
  const log = logger(v['log-level']);

  const sensor: SensorConfig = { flow: cfg.flow, defrag: cfg.defrag, stream: streamSettings(cfg), detect: null, http: cfg.app.http };
  let reloader: RulesReloader | null = null;
  if (v.rules) {
    try { statSync(v.rules); } catch (e) { throw new UsageError(`--rules: ${(e as Error).message.split('\n')[0]}`); }
    sensor.detect = {
      paths: [v.rules], addressGroups: cfg.detect.addressGroups, portGroups: cfg.detect.portGroups,
      classificationFile: cfg.detect.classificationFile, packetAlertMax: cfg.detect.packetAlertMax,
      cacheDir: sc.kind === 'embedded' ? join(sc.dataDir, 'rules-cache') : null,
      checksumValidation: cfg.detect.checksumValidation, actionOrder: cfg.detect.actionOrder, thresholdFile: cfg.detect.thresholdFile,
      midstream: cfg.stream.midstream,
      reloadSignal: createReloadSignal(),
    };
    // Load once here to report what loads and what does not (file:line, sid, reason).
    let rs;
    try { rs = loadDetectRuleset(sensor.detect); } catch (e) { throw new UsageError((e as Error).message.split('\n')[0]); }
    for (const sk of rs.skipped) log.warn({ file: sk.file, line: sk.line, sid: sk.sid, reason: sk.reason, keyword: sk.keyword }, `rule skipped: ${sk.message}`);
    log.info({ loaded: rs.stats.loaded, skipped: rs.stats.skipped, enabled: rs.stats.enabled, load_ms: Math.round(rs.stats.loadMs) }, 'rules loaded');
    reloader = new RulesReloader(sensor.detect);
    reloader.setCurrent(rs);
  }
  const store = await openStore(sc);
  let eve: EveWriter | null = null;
  if (v.eve) eve = await EveWriter.open(v.eve);
  const ac = new AbortController();
  const onSignal = (sig: string) => { log.warn({ signal: sig }, 'stopping: flushing flows and the store'); ac.abort(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // SIGHUP: reload the rules (validated in this thread; workers swap at their next packet).
  const onHup = () => {
    if (!reloader) { log.warn('SIGHUP: no rules loaded, nothing to reload'); return; }
    void reloader.reload().then((r) => {
      if (r.ok) log.info({ generation: r.generation, loaded: r.loaded, skipped: r.skipped, load_ms: Math.round(r.loadMs), compile_ms: Math.round(r.compileMs) }, 'rules reloaded');
      else log.error({ error: r.error }, 'rules reload rejected: the old ruleset keeps running');
    });
  };
  process.on('SIGHUP', onHup);
  let sensorStats: Record<string, number> | LiveSnapshot = {};
  let server: Awaited<ReturnType<typeof startApi>> | null = null;
  if (api) server = await startApi(store, api, log, () => sensorStats, reloader);
  const sink: RecordSink = {
    flows(records: FlowRecord[]) {
      store.insertFlows(records);
      eve?.flows(records);
    },
    alerts(records: AlertRecord[]) {
      // Tagged packets (rules/detect/tag.ts) share the alert channel but are EVE packet events, not alerts.
      store.insertAlerts(records.some((r) => r.tagged_packet) ? records.filter((r) => !r.tagged_packet) : records);
      eve?.alerts(records);
    },
    busy: () => store.stats().rows_queued >= 4 * cfg.store.batchRows,
    ready: () => store.ready(),
  };
  let code = 0;
  try {
    const res = live
      // --user with the embedded store: chDB keeps writing parts into the data directory after
      // root is gone, so the directory is handed to that user just before the drop.
      ? await runLiveCommand(live, workers, sensor, sink, ac.signal, log, store, (s) => { sensorStats = s; },
        live.user && sc.kind === 'embedded' ? () => chownTree(sc.dataDir, live.user!) : undefined).catch(async (e: unknown) => {
        await server?.close();
        await store.close();
        // Capture could not start (no such interface, no permission, no DPDK/XDP): one line, exit 2.
        throw e instanceof NativeUnavailableError ? new UsageError(e.message.split('\n')[0]) : e;
      })
      : await runOffline({ paths: v.pcap!, workers, config: sensor, sink, signal: ac.signal, mmap: v.mmap === true });
    sensorStats = res.stats;
    if (res.inputError) {
      log.error({ error: res.inputError }, 'input damaged: processed the frames before the damage');
      process.stderr.write(`fennec: ${res.inputError}\n`);
      code = 1;
    }
    await store.flush();
    log.info({
      packets: res.packets, bytes: res.bytes, flows: res.flows, workers, elapsed_ms: Math.round(res.elapsedMs),
      mpps: +(res.packets / res.elapsedMs / 1e3).toFixed(3), files: res.files.length,
    }, 'capture done');
  } finally {
    await eve?.close();
  }
  if (server && !ac.signal.aborted) {
    log.info({ listen: `${api!.host}:${api!.port}` }, 'input done; serving the API until SIGINT/SIGTERM');
    await new Promise<void>((r) => ac.signal.addEventListener('abort', () => r(), { once: true }));
  }
  process.off('SIGHUP', onHup);
  await server?.close();
  const st = await store.close();
  if (st.rows_dropped > 0) { log.error({ rows_dropped: st.rows_dropped }, 'store dropped rows'); code = 1; }
  return code;
}

interface LiveCli {
  iface: string; capture: CaptureMethod; fanout: FanoutMode; bpf?: string; dpdkArgs?: string; user?: string; statsIntervalMs: number;
}

/** Validate the live-capture flags (before anything is opened). */
function liveOptions(v: Record<string, unknown>): LiveCli {
  const iface = v.interface as string;
  const capture = (v.capture as string | undefined) ?? 'afpacket';
  if (!['afpacket', 'afxdp', 'dpdk', 'netmap'].includes(capture)) throw new UsageError(`--capture: unknown method "${capture}" (afpacket, afxdp, dpdk or netmap)`);
  const fanout = (v.fanout as string | undefined) ?? 'hash';
  if (!['hash', 'cpu', 'qm', 'lb'].includes(fanout)) throw new UsageError(`--fanout: unknown mode "${fanout}" (hash, cpu, qm or lb)`);
  if (v['dpdk-args'] !== undefined && capture !== 'dpdk') throw new UsageError('--dpdk-args needs --capture dpdk');
  if (v.bpf !== undefined && capture !== 'afpacket') throw new UsageError(`--bpf is applied by the afpacket backend only (not ${capture})`);
  const si = v['stats-interval'] === undefined ? 10 : Number(v['stats-interval']);
  if (!(si > 0 && si <= 86_400)) throw new UsageError(`--stats-interval expects seconds (> 0), got "${v['stats-interval']}"`);
  // DPDK names ports itself; the kernel backends need an interface that exists here.
  if (capture !== 'dpdk' && (iface === '' || iface.includes('/') || !existsSync(`/sys/class/net/${iface}`))) {
    throw new UsageError(`--interface: no network interface "${iface}" in this network namespace (see \`ip link show\`)`);
  }
  return { iface, capture: capture as CaptureMethod, fanout: fanout as FanoutMode, bpf: v.bpf as string | undefined,
    dpdkArgs: v['dpdk-args'] as string | undefined, user: v.user as string | undefined, statsIntervalMs: Math.round(si * 1000) };
}

async function chownTree(dir: string, user: string): Promise<void> {
  const { getpwnam } = await import('../native/libc.js');
  const pw = getpwnam(user);
  if (pw === null) throw new UsageError(`--user ${user}: no such user in the passwd database`);
  const { chownSync, readdirSync } = await import('node:fs');
  const walk = (p: string): void => {
    chownSync(p, pw.uid, pw.gid);
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(p, e.name));
      else if (e.isFile()) chownSync(join(p, e.name), pw.uid, pw.gid);
    }
  };
  walk(dir);
}

async function runLiveCommand(o: LiveCli, workers: number, sensor: SensorConfig, sink: RecordSink, signal: AbortSignal, log: Logger, store: Store,
  publish: (s: LiveSnapshot) => void, beforeDrop?: () => Promise<void>) {
  const { runLive } = await import('./live-run.js');
  const { lossSummary } = await import('../api/metrics.js');
  const t0 = Date.now();
  const res = await runLive({
    iface: o.iface, capture: o.capture, workers, config: sensor, sink, signal, bpf: o.bpf, fanout: o.fanout, user: o.user,
    dpdkArgs: o.dpdkArgs, statsIntervalMs: o.statsIntervalMs, beforeDrop,
    onRunning: (info) => log.info({ iface: o.iface, capture: o.capture, workers, user: info.user }, 'capturing'),
    onStats: (snap, w) => {
      publish(snap);
      const c = w.capture, p = w.pipeline;
      const events: Record<string, number> = {};
      for (const [k, val] of Object.entries(p)) if (/^decoder\.[a-z0-9_]+\./.test(k)) events[k] = val;
      log.info({
        worker: w.worker, iface: o.iface, packets: c.packets, bytes: c.bytes, kernel_drops: c.drops, freeze_count: c.freeze_count,
        ring_fill: c.ring_fill, decode_invalid: p['decoder.invalid'] ?? 0, decode_events: events, flows_active: p['flow.active'] ?? 0,
        flows_ended: p['flow.ended'] ?? 0, store_queue: store.stats().rows_queued, loss: lossSummary(snap, store.stats()),
      }, 'capture stats');
    },
  });
  publish(res.snapshot);
  return { ...res, elapsedMs: Date.now() - t0 };
}

async function startApi(store: Store, at: { host: string; port: number }, log: Logger, stats: () => unknown, rulesReloader: RulesReloader | null = null) {
  const { buildServer } = await import('../api/server.js');
  const app = await buildServer({ store, statsProvider: stats, logger: log, rulesReloader });
  await app.listen({ host: at.host, port: at.port });
  return app;
}

async function serveCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, {
    ...STORE_OPTIONS, listen: { type: 'string' }, config: { type: 'string' }, set: { type: 'string', multiple: true }, 'log-level': { type: 'string' },
  });
  if (v.help) { process.stdout.write(SERVE_HELP + '\n'); return 0; }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!v.listen) throw new UsageError('--listen HOST:PORT is required');
  const at = hostPort(v.listen, '--listen');
  const cfg = buildConfig(v);
  const sc = storeConfig(v, cfg);
  const log = logger(v['log-level']);
  const store = await openStore(sc);
  const app = await startApi(store, at, log, () => ({}));
  log.info({ listen: `${at.host}:${at.port}` }, 'serving');
  await new Promise<void>((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });
  await app.close();
  await store.close();
  return 0;
}

async function configCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'keys') { process.stdout.write(knownKeys().join('\n') + '\n'); return 0; }
  process.stdout.write('Usage: fennec config keys\n');
  return argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined: case '-h': case '--help': case 'help':
        process.stdout.write(MAIN_HELP + '\n');
        return cmd === undefined ? 2 : 0;
      case '--version': case '-V':
        process.stdout.write(VERSION + '\n');
        return 0;
      case 'run': return await runCommand(rest);
      case 'serve': return await serveCommand(rest);
      case 'config': return await configCommand(rest);
      case 'reassemble': {
        const m = await import('../reassembly/cli.js' as string) as { reassembleCommand(a: string[]): Promise<number> };
        return await m.reassembleCommand(rest);
      }
      case 'rules': {
        if (rest[0] !== 'check') {
          process.stdout.write('Usage: fennec rules check FILE|DIR [--json]\n');
          return rest[0] === '--help' || rest[0] === '-h' ? 0 : 2;
        }
        const m = await import('../rules/cli.js');
        return await m.rulesCheckCommand(rest.slice(1));
      }
      default:
        throw new UsageError(`unknown command "${cmd}" (see fennec --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`fennec: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`fennec: ${(e as Error).message?.split('\n')[0] ?? String(e)}\n`);
    return 1;
  }
}

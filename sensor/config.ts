import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_FLOW_CONFIG, type FlowConfig } from './flow/config.js';
import type { DefragConfig, FragPolicyName } from '../reassembly/defrag.js';
import { DEFAULT_ADDRESS_GROUPS, DEFAULT_PORT_GROUPS } from '../rules/address.js';
import { STREAM_POLICY_NAMES } from '../reassembly/policies.js';
import { DEFAULT_HTTP_CONFIG, HTTP_CONFIG_PREFIX, type HttpConfig } from './app/http/config.js';

/**
 * Fennec's settings. Keys use suricata.yaml's names and Suricata's defaults, so a rule set
 * or a test written for Suricata behaves the same; Fennec-only keys are marked. Set from a
 * YAML file (`--config`, nested like suricata.yaml) and `--set KEY=VALUE` (dotted keys,
 * applied after the file). An unknown key is an error, never silently ignored.
 */
export interface FennecConfig {
  flow: FlowConfig;
  defrag: DefragConfig;
  stream: {
    midstream: boolean;
    asyncOneside: boolean;
    /** Reassembly depth per stream in bytes, 0 = unlimited (Suricata default 1 MiB). */
    depth: number;
    /** Deliver data immediately instead of when acknowledged. */
    inline: boolean;
    /** Stream memory cap in bytes. */
    memcap: number;
    /** Overlap policy (Fennec: stream.reassembly.policy; Suricata picks it per host-os-policy). */
    policy: string;
    /** Fennec: stream.reassembly.enabled (default yes); no = flow metering only. */
    enabled: boolean;
    /** stream.reassembly.toserver-chunk-size / toclient-chunk-size: raw stream inspection chunks (Suricata default 2560). */
    toServerChunk: number;
    toClientChunk: number;
  };
  detect: {
    /** yes | no | auto (Suricata: auto for pcap files). */
    checksumValidation: 'yes' | 'no' | 'auto';
    actionOrder: string[];
    thresholdFile: string | null;
    packetAlertMax: number;
    classificationFile: string | null;
    addressGroups: Record<string, string>;
    portGroups: Record<string, string>;
  };
  /** App-layer parser settings (app-layer.protocols.*). */
  app: { http: HttpConfig };
  store: {
    database: string;
    ttlDays: number;
    batchRows: number;
    flushIntervalMs: number;
  };
}

export function defaultConfig(): FennecConfig {
  return {
    flow: structuredClone(DEFAULT_FLOW_CONFIG),
    defrag: { timeoutSec: 60, memcap: 32 << 20, maxTrackers: 4096, maxFragsPerTracker: 256, policy: 'bsd' },
    stream: { midstream: false, asyncOneside: false, depth: 1 << 20, inline: false, memcap: 256 << 20, policy: 'bsd', enabled: true, toServerChunk: 2560, toClientChunk: 2560 },
    detect: {
      checksumValidation: 'auto',
      actionOrder: ['pass', 'drop', 'reject', 'alert'],
      thresholdFile: null,
      packetAlertMax: 15,
      classificationFile: null,
      // Suricata's suricata.yaml defaults for the variables most rules use.
      addressGroups: { ...DEFAULT_ADDRESS_GROUPS },
      portGroups: { ...DEFAULT_PORT_GROUPS },
    },
    app: { http: { ...DEFAULT_HTTP_CONFIG } },
    store: { database: 'fennec', ttlDays: 30, batchRows: 20000, flushIntervalMs: 1000 },
  };
}

export class ConfigError extends Error {
  readonly code = 'FENNEC_ERR_CONFIG';
}

type Setter = (c: FennecConfig, v: unknown, key: string) => void;

const bool = (v: unknown, key: string): boolean => {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(s)) return true;
  if (['no', 'false', 'off', '0'].includes(s)) return false;
  throw new ConfigError(`${key}: expected yes/no, got "${String(v)}"`);
};

const num = (min: number, max: number) => (v: unknown, key: string): number => {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${key}: expected a number in [${min}, ${max}], got "${String(v)}"`);
  return n;
};

/** Sizes like Suricata's: 1mb, 64kb, 1gb, or bytes. */
export function parseSize(v: unknown, key: string): number {
  if (typeof v === 'number' && v >= 0) return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(String(v));
  if (!m) throw new ConfigError(`${key}: expected a size like 1mb, 64kb or a byte count, got "${String(v)}"`);
  const mult: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1 << 20, mib: 1 << 20, gb: 1 << 30, gib: 1 << 30 };
  return Math.round(Number(m[1]) * mult[(m[2] ?? 'b').toLowerCase()]);
}

const str = (v: unknown): string => String(v);
/** A chunk size: Suricata parses it as a 16-bit size. */
const chunkSize = (v: unknown, k: string): number => {
  const n = parseSize(v, k);
  if (n > 65535) throw new ConfigError(`${k}: ${n} is above 65535 (a 16-bit size, as in Suricata)`);
  return n;
};
const secs = num(0, 86400 * 365 * 100); // up to a century: "never" for offline forensics

const SETTINGS: Record<string, Setter> = {
  'checksum-validation': (c, v, k) => {
    const s = String(v).toLowerCase();
    if (s === 'auto') c.detect.checksumValidation = 'auto';
    else c.detect.checksumValidation = bool(v, k) ? 'yes' : 'no';
  },
  'action-order': (c, v, k) => {
    const list = Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean);
    for (const a of list) if (!['pass', 'drop', 'reject', 'alert', 'rejectsrc', 'rejectdst', 'rejectboth'].includes(a)) throw new ConfigError(`${k}: unknown action "${a}"`);
    c.detect.actionOrder = list;
  },
  'threshold-file': (c, v) => { c.detect.thresholdFile = str(v); },
  'classification-file': (c, v) => { c.detect.classificationFile = str(v); },
  'packet-alert-max': (c, v, k) => { c.detect.packetAlertMax = num(1, 65535)(v, k); },
  'stream.midstream': (c, v, k) => { c.stream.midstream = bool(v, k); },
  'stream.async-oneside': (c, v, k) => { c.stream.asyncOneside = bool(v, k); },
  'stream.inline': (c, v, k) => { c.stream.inline = String(v) === 'auto' ? false : bool(v, k); },
  'stream.memcap': (c, v, k) => { c.stream.memcap = parseSize(v, k); },
  'stream.reassembly.depth': (c, v, k) => { c.stream.depth = parseSize(v, k); },
  'stream.reassembly.memcap': (c, v, k) => { c.stream.memcap = parseSize(v, k); },
  'stream.reassembly.enabled': (c, v, k) => { c.stream.enabled = bool(v, k); },
  'stream.reassembly.toserver-chunk-size': (c, v, k) => { c.stream.toServerChunk = chunkSize(v, k); },
  'stream.reassembly.toclient-chunk-size': (c, v, k) => { c.stream.toClientChunk = chunkSize(v, k); },
  'stream.reassembly.policy': (c, v, k) => {
    const p = str(v);
    if (!(STREAM_POLICY_NAMES as readonly string[]).includes(p)) throw new ConfigError(`${k}: unknown policy "${p}" (one of ${STREAM_POLICY_NAMES.join(', ')})`);
    c.stream.policy = p;
  },
  'flow.max-flows': (c, v, k) => { c.flow.maxFlows = num(16, 1 << 26)(v, k); },
  'flow.periodic-interval': (c, v, k) => { c.flow.periodicInterval = secs(v, k); },
  'vlan.use-for-tracking': (c, v, k) => { c.flow.vlanTracking = bool(v, k); },
  'flow-timeouts.tcp.new': (c, v, k) => { c.flow.timeouts.tcp.new = secs(v, k); },
  'flow-timeouts.tcp.established': (c, v, k) => { c.flow.timeouts.tcp.established = secs(v, k); },
  'flow-timeouts.tcp.closed': (c, v, k) => { c.flow.timeouts.tcp.closed = secs(v, k); },
  'flow-timeouts.udp.new': (c, v, k) => { c.flow.timeouts.udp.new = secs(v, k); },
  'flow-timeouts.udp.established': (c, v, k) => { c.flow.timeouts.udp.established = secs(v, k); },
  'flow-timeouts.icmp.new': (c, v, k) => { c.flow.timeouts.icmp.new = secs(v, k); },
  'flow-timeouts.icmp.established': (c, v, k) => { c.flow.timeouts.icmp.established = secs(v, k); },
  'flow-timeouts.default.new': (c, v, k) => { c.flow.timeouts.default.new = secs(v, k); },
  'flow-timeouts.default.established': (c, v, k) => { c.flow.timeouts.default.established = secs(v, k); },
  'defrag.timeout': (c, v, k) => { c.defrag.timeoutSec = secs(v, k); },
  'defrag.memcap': (c, v, k) => { c.defrag.memcap = parseSize(v, k); },
  'defrag.trackers': (c, v, k) => { c.defrag.maxTrackers = num(1, 1 << 24)(v, k); },
  'defrag.max-frags': (c, v, k) => { c.defrag.maxFragsPerTracker = num(2, 1 << 16)(v, k); },
  'defrag.policy': (c, v, k) => {
    const s = String(v);
    if (!['first', 'last', 'bsd', 'bsd-right', 'linux', 'windows', 'solaris'].includes(s)) throw new ConfigError(`${k}: unknown policy "${s}"`);
    c.defrag.policy = s as FragPolicyName;
  },
  [HTTP_CONFIG_PREFIX + 'request-body-limit']: (c, v, k) => { c.app.http.requestBodyLimit = parseSize(v, k); },
  [HTTP_CONFIG_PREFIX + 'response-body-limit']: (c, v, k) => { c.app.http.responseBodyLimit = parseSize(v, k); },
  [HTTP_CONFIG_PREFIX + 'response-body-decompress-layer-limit']: (c, v, k) => { c.app.http.decompressLayerLimit = num(0, 255)(v, k); },
  [HTTP_CONFIG_PREFIX + 'double-decode-path']: (c, v, k) => { c.app.http.doubleDecodePath = bool(v, k); },
  [HTTP_CONFIG_PREFIX + 'double-decode-query']: (c, v, k) => { c.app.http.doubleDecodeQuery = bool(v, k); },
  'clickhouse.database': (c, v, k) => {
    const s = String(v);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new ConfigError(`${k}: not an identifier: "${s}"`);
    c.store.database = s;
  },
  'clickhouse.ttl-days': (c, v, k) => { c.store.ttlDays = num(1, 36500)(v, k); },
  'clickhouse.batch-rows': (c, v, k) => { c.store.batchRows = num(1, 1_000_000)(v, k); },
  'clickhouse.flush-interval-ms': (c, v, k) => { c.store.flushIntervalMs = num(10, 600_000)(v, k); },
};

/** Apply one dotted key. */
export function setKey(c: FennecConfig, key: string, value: unknown): void {
  const vars = /^vars\.(address-groups|port-groups)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key);
  if (vars) {
    (vars[1] === 'address-groups' ? c.detect.addressGroups : c.detect.portGroups)[vars[2]] = String(value);
    return;
  }
  const s = SETTINGS[key];
  if (!s) throw new ConfigError(`unknown setting "${key}" (see docs/config.md for the list)`);
  s(c, value, key);
}

/** "KEY=VALUE" from --set. */
export function applySet(c: FennecConfig, kv: string): void {
  const i = kv.indexOf('=');
  if (i <= 0) throw new ConfigError(`--set expects KEY=VALUE, got "${kv}"`);
  setKey(c, kv.slice(0, i).trim(), kv.slice(i + 1).trim());
}

/** Flatten a parsed YAML document into dotted keys; lists are values (action-order). */
function flatten(obj: unknown, prefix: string, out: [string, unknown][]): void {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, obj]);
}

export function loadConfigFile(c: FennecConfig, path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${path}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: expected a mapping at the top level`);
  const pairs: [string, unknown][] = [];
  flatten(doc, '', pairs);
  for (const [k, v] of pairs) {
    try {
      setKey(c, k, v);
    } catch (e) {
      throw new ConfigError(`${path}: ${(e as Error).message}`);
    }
  }
}

/** The settings reference (for docs and `fennec config keys`). */
export function knownKeys(): string[] {
  return [...Object.keys(SETTINGS), 'vars.address-groups.NAME', 'vars.port-groups.NAME'].sort();
}

/**
 * GET /metrics: Prometheus text exposition (format 0.0.4) of the sensor's and the store's
 * counters, and the "where did my packets go?" split (FIELD-NOTES item 1) shared with
 * /api/v1/stats.
 *
 * Loss, by where it happens (fennec_capture_drops_total{where=...}, packets):
 *   nic            the NIC/driver could not hand the frame over: DPDK imissed; for kernel
 *                  backends the interface's rx_missed_errors + rx_fifo_errors (worker="all")
 *   kernel_ring    the capture ring was full: AF_PACKET tp_drops (a worker reads only its
 *                  own ring, so this IS that worker's backlog), AF_XDP rx_dropped, netmap
 *   worker_backlog frames the worker had not taken back yet filled the queue: AF_XDP
 *                  rx_ring_full, DPDK rx_nombuf (mbuf pool empty)
 *   flow_memcap    packets that found no flow slot (flow.max-flows reached, nothing evictable)
 * Flows ended early to make room (fennec_flows_evicted_total) and store rows spooled to disk
 * or dropped (fennec_store_rows_spooled_total / _dropped_total) are rows/flows, not packets,
 * so they are their own series.
 */
import type { FastifyInstance } from 'fastify';
import type { StoreStats } from '../sensor/output/clickhouse.js';

/** The shape sensor/live-run.ts keeps (kept structural here so the API does not import the sensor). */
interface WorkerStatsLike {
  worker: number;
  source: string;
  capture: Record<string, number>;
  pipeline: Record<string, number>;
  at: number;
}
interface LiveSnapshotLike {
  mode: 'live';
  iface: string;
  capture: string;
  workers: (WorkerStatsLike | undefined)[];
  interface: Record<string, number> | null;
  totals: Record<string, number>;
}

export interface CaptureLoss {
  nic: number;
  kernel_ring: number;
  worker_backlog: number;
}

/** Split one source's drop counters by where they happen (see the file comment). */
export function captureLoss(method: string, s: Record<string, number>): CaptureLoss {
  const v = (k: string): number => s[k] ?? 0;
  switch (method) {
    case 'afxdp': return { nic: 0, kernel_ring: v('rx_dropped'), worker_backlog: v('rx_ring_full') };
    case 'dpdk': return { nic: v('port_missed'), kernel_ring: 0, worker_backlog: v('port_nombuf') };
    default: return { nic: 0, kernel_ring: v('drops'), worker_backlog: 0 };
  }
}

export function isLiveSnapshot(x: unknown): x is LiveSnapshotLike {
  return typeof x === 'object' && x !== null && (x as { mode?: unknown }).mode === 'live' && Array.isArray((x as { workers?: unknown }).workers);
}

/** Where packets (and rows) went missing, summed over workers: for /api/v1/stats and logs. */
export function lossSummary(sensor: unknown, store: StoreStats | null): Record<string, number> {
  const out: Record<string, number> = { nic: 0, kernel_ring: 0, worker_backlog: 0, flow_memcap: 0, flows_evicted: 0, store_rows_spooled: 0, store_rows_dropped: 0 };
  if (isLiveSnapshot(sensor)) {
    for (const w of sensor.workers) {
      if (!w) continue;
      const l = captureLoss(sensor.capture, w.capture);
      out.nic += l.nic;
      out.kernel_ring += l.kernel_ring;
      out.worker_backlog += l.worker_backlog;
    }
    if (sensor.interface) out.nic += (sensor.interface.rx_missed_errors ?? 0) + (sensor.interface.rx_fifo_errors ?? 0);
    out.flow_memcap = sensor.totals['flow.no_slot'] ?? 0;
    out.flows_evicted = sensor.totals['flow.evicted'] ?? 0;
  } else if (typeof sensor === 'object' && sensor !== null) {
    const t = sensor as Record<string, number>;
    out.flow_memcap = t['flow.no_slot'] ?? 0;
    out.flows_evicted = t['flow.evicted'] ?? 0;
  }
  if (store) {
    out.store_rows_spooled = store.rows_spooled;
    out.store_rows_dropped = store.rows_dropped;
  }
  return out;
}

type Labels = Record<string, string>;

class Exposition {
  private readonly families = new Map<string, { help: string; type: 'counter' | 'gauge'; lines: string[] }>();

  add(name: string, type: 'counter' | 'gauge', help: string, labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      this.families.set(name, f);
    }
    const ls = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
    f.lines.push(`${name}${ls ? `{${ls}}` : ''} ${value}`);
  }

  text(): string {
    let out = '';
    for (const [name, f] of this.families) out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}\n`;
    return out;
  }
}

/** Pipeline counter name → [metric, type, help]; names not listed go to fennec_pipeline_counter_total{name}. */
const PIPELINE: Record<string, [string, 'counter' | 'gauge', string]> = {
  'capture.packets': ['fennec_decoder_packets_total', 'counter', 'Frames the pipeline processed'],
  'capture.bytes': ['fennec_decoder_bytes_total', 'counter', 'Wire bytes of the frames the pipeline processed'],
  'decoder.invalid': ['fennec_decoder_invalid_total', 'counter', 'Frames whose decoding stopped on a malformation'],
  'decoder.non_ip': ['fennec_decoder_non_ip_total', 'counter', 'Frames without an IP layer'],
  'flow.packets': ['fennec_flow_packets_total', 'counter', 'Frames accounted to a flow'],
  'flow.no_slot': ['fennec_flow_no_slot_packets_total', 'counter', 'Packets that found no flow slot (memory cap)'],
  'flow.created': ['fennec_flows_created_total', 'counter', 'Flows created'],
  'flow.active': ['fennec_flows_active', 'gauge', 'Flows in the flow table now'],
  'flow.ended': ['fennec_flows_ended_total', 'counter', 'Flows ended (any reason)'],
  'flow.evicted': ['fennec_flows_evicted_total', 'counter', 'Flows ended early to make room (flow.max-flows)'],
  'flow.timeouts': ['fennec_flows_timeouts_total', 'counter', 'Flows ended by their idle timeout'],
};

function pipelineMetrics(x: Exposition, p: Record<string, number>, labels: Labels): void {
  for (const [k, v] of Object.entries(p)) {
    const m = PIPELINE[k];
    if (m) x.add(m[0], m[1], m[2], labels, v);
    else if (/^decoder\.[a-z0-9_]+\.[a-z0-9_.]+$/.test(k)) x.add('fennec_decoder_events_total', 'counter', 'Decoder events by Suricata name', { ...labels, event: k }, v);
    else x.add('fennec_pipeline_counter_total', 'counter', 'Other pipeline counters by name (defrag, detection, flow)', { ...labels, name: k }, v);
  }
}

const LOSS_HELP = 'Packets lost before or inside the sensor, by where (nic, kernel_ring, worker_backlog, flow_memcap)';

/** The whole /metrics body. `sensor` is what the CLI's statsProvider returns (live snapshot or offline totals). */
export function renderMetrics(sensor: unknown, store: StoreStats | null): string {
  const x = new Exposition();
  if (isLiveSnapshot(sensor)) {
    const base = { iface: sensor.iface, capture: sensor.capture };
    for (const w of sensor.workers) {
      if (!w) continue;
      const l = { worker: String(w.worker), ...base };
      const c = w.capture;
      x.add('fennec_capture_packets_total', 'counter', 'Frames the capture queue delivered', l, c.packets ?? 0);
      x.add('fennec_capture_bytes_total', 'counter', 'Bytes the capture queue delivered', l, c.bytes ?? 0);
      x.add('fennec_capture_kernel_drops_total', 'counter', 'Frames the capture backend reports lost (all causes it knows)', l, c.drops ?? 0);
      if (c.freeze_count !== undefined) x.add('fennec_capture_freeze_total', 'counter', 'AF_PACKET queue freezes (tp_freeze_q_cnt)', l, c.freeze_count);
      if (c.ring_fill !== undefined) x.add('fennec_capture_ring_fill_ratio', 'gauge', 'Share of the ring holding frames not yet processed (0..1)', l, c.ring_fill);
      if (c.fill_level !== undefined) x.add('fennec_capture_xdp_fill_level', 'gauge', 'AF_XDP fill ring entries available to the kernel', l, c.fill_level);
      if (c.pool_free !== undefined) x.add('fennec_capture_dpdk_mbufs_free', 'gauge', 'Free mbufs in the port pool', l, c.pool_free);
      const loss = captureLoss(sensor.capture, c);
      x.add('fennec_capture_drops_total', 'counter', LOSS_HELP, { ...l, where: 'kernel_ring' }, loss.kernel_ring);
      x.add('fennec_capture_drops_total', 'counter', LOSS_HELP, { ...l, where: 'worker_backlog' }, loss.worker_backlog);
      if (sensor.capture === 'dpdk') x.add('fennec_capture_drops_total', 'counter', LOSS_HELP, { ...l, where: 'nic' }, loss.nic);
      x.add('fennec_capture_drops_total', 'counter', LOSS_HELP, { ...l, where: 'flow_memcap' }, w.pipeline['flow.no_slot'] ?? 0);
      x.add('fennec_worker_stats_timestamp_seconds', 'gauge', 'When this worker last reported (Unix time)', l, w.at / 1000);
      pipelineMetrics(x, w.pipeline, l);
    }
    if (sensor.interface) {
      const i = sensor.interface;
      const l = { worker: 'all', ...base };
      x.add('fennec_capture_drops_total', 'counter', LOSS_HELP, { ...l, where: 'nic' }, (i.rx_missed_errors ?? 0) + (i.rx_fifo_errors ?? 0));
      for (const [k, v] of Object.entries(i)) x.add(`fennec_interface_${k}_total`, 'counter', `/sys/class/net/IF/statistics/${k}`, { iface: sensor.iface }, v);
    }
  } else if (typeof sensor === 'object' && sensor !== null) {
    pipelineMetrics(x, sensor as Record<string, number>, { worker: 'all' });
  }
  if (store) {
    x.add('fennec_store_rows_queued', 'gauge', 'Rows waiting in memory for INSERT', {}, store.rows_queued);
    for (const [t, v] of Object.entries(store.rows_inserted)) x.add('fennec_store_rows_inserted_total', 'counter', 'Rows inserted', { table: t }, v);
    x.add('fennec_store_rows_spooled_total', 'counter', 'Rows written to the disk spool during a store outage', {}, store.rows_spooled);
    x.add('fennec_store_rows_replayed_total', 'counter', 'Spooled rows inserted later', {}, store.rows_replayed);
    x.add('fennec_store_rows_dropped_total', 'counter', 'Rows lost (queue and spool full, or close timed out)', {}, store.rows_dropped);
    x.add('fennec_store_rows_rejected_total', 'counter', 'Rows the server refused as malformed', {}, store.rows_rejected);
    x.add('fennec_store_inserts_total', 'counter', 'INSERT statements that succeeded', {}, store.inserts);
    x.add('fennec_store_insert_errors_total', 'counter', 'INSERT statements that failed', {}, store.insert_errors);
    x.add('fennec_store_backpressure_waits_total', 'counter', 'Times a producer waited for the store queue', {}, store.backpressure_waits);
    x.add('fennec_store_spool_bytes', 'gauge', 'Bytes in the disk spool', {}, store.spool_bytes);
    x.add('fennec_store_outage', 'gauge', '1 between a failed INSERT and the next successful one', {}, store.outage ? 1 : 0);
  }
  return x.text();
}

export function registerMetricsRoute(app: FastifyInstance, sensor: () => unknown, store: () => StoreStats | null): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics: capture, drops by where, decode events, flows, store', hide: false } }, async (_req, reply) => {
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return renderMetrics(sensor(), store());
  });
}

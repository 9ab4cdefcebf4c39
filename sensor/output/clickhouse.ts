/**
 * The ClickHouse store: schema migrations on open, then a batching writer for flows and alerts.
 *
 * Surface (all the sensor needs):
 *
 *   const store = await openStore({ kind: 'embedded', dataDir: '/var/lib/fennec/db' });
 *   // or { kind: 'remote', url: 'http://ch:8123', username, password }
 *   if (!store.insertFlows(records)) await store.ready();   // backpressure
 *   store.insertAlerts(alerts);
 *   await store.flush();     // everything queued so far is in ClickHouse
 *   store.stats();           // counters for /api/v1/stats and logs
 *   await store.close();     // flush (or spool, if the server is down) and release
 *   store.client / store.database   // for the API's read queries
 *
 * Writer contract:
 * - insert*() encodes each record once into a JSONCompactEachRow line and queues it; it never awaits
 *   and never throws on content. It returns false when queued rows are at or above the
 *   high-water mark: the producer should `await ready()` (pcap ingestion) or go on and let
 *   rows spill to disk (live capture). Past memoryCapRows the oldest batches go to the spool.
 * - Batches of batchRows are sent as soon as they are full; partial batches every
 *   flushIntervalMs. At most one INSERT is in flight.
 * - A failed INSERT (connection refused, timeout, HTTP 5xx, engine error) is retried with
 *   doubling backoff; while the server is down, rows above the high-water mark are spooled
 *   (sensor/output/spool.ts) instead of held in memory, and replayed oldest-first once an
 *   INSERT succeeds again. Batches the server rejects as malformed (CANNOT_PARSE_*, …) are
 *   not retried: they go to `<spool>/rejected/` and are counted.
 * - close() flushes; if the server is still down after closeTimeoutMs, the rest is spooled,
 *   so nothing queued is lost across a restart. Rows are dropped (and counted) only when both
 *   memory and the spool are full and the producer ignored backpressure.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import type { FlowRecord } from '../flow/record.js';
import type { AlertRecord } from './alert-record.js';
import { migrate, type MigrationResult } from './migrate.js';
import { ALERT_COLUMNS, FLOW_COLUMNS, alertToRowLine, flowToRowLine } from './rows.js';
import { Spool, type SpoolEntry } from './spool.js';
import { resolveTuning, type ResolvedTuning, type StoreConfig } from './store-config.js';

export type { StoreConfig } from './store-config.js';

export type TableName = 'flows' | 'alerts';
const TABLES: readonly TableName[] = ['flows', 'alerts'];
const COLUMNS: Record<TableName, readonly string[]> = { flows: FLOW_COLUMNS, alerts: ALERT_COLUMNS };

export interface StoreStats {
  kind: 'embedded' | 'remote';
  database: string;
  /** Rows waiting in memory, including the batch in flight. */
  rows_queued: number;
  rows_inserted: Record<TableName, number>;
  inserts: number;
  insert_errors: number;
  retries: number;
  rows_spooled: number;
  rows_replayed: number;
  rows_rejected: number;
  rows_dropped: number;
  spool_files: number;
  spool_bytes: number;
  backpressure_waits: number;
  backpressure_wait_ms: number;
  insert_latency_ms: { last: number; avg: number; max: number };
  /** True between a failed INSERT and the next successful one. */
  outage: boolean;
  last_error: string | null;
  migrations: MigrationResult;
}

export interface Store {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly kind: 'embedded' | 'remote';
  insertFlows(records: readonly FlowRecord[]): boolean;
  insertAlerts(records: readonly AlertRecord[]): boolean;
  /** Resolves once queued rows are below the high-water mark. */
  ready(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<StoreStats>;
  stats(): StoreStats;
}

/** Error types the server uses for bad input: retrying the same bytes cannot succeed. */
const PERMANENT_TYPES = new Set([
  'TYPE_MISMATCH', 'INCORRECT_DATA', 'CANNOT_READ_ARRAY_FROM_TEXT', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'ARGUMENT_OUT_OF_BOUND', 'TOO_LARGE_STRING_SIZE', 'INCORRECT_NUMBER_OF_COLUMNS', 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
]);

function isPermanent(err: unknown): boolean {
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' && (type.startsWith('CANNOT_PARSE') || PERMANENT_TYPES.has(type));
}

interface Batch {
  table: TableName;
  lines: string[] | null;
  /** Set once the batch is on disk (spooled or read back from the spool). */
  spool: SpoolEntry | null;
}

class CloseDeadline extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) {
    /* discard the (empty) INSERT response so the HTTP socket is reusable */
  }
}

class ClickHouseStore implements Store {
  readonly database: string;
  private readonly t: ResolvedTuning;
  private readonly queues: Record<TableName, string[]> = { flows: [], alerts: [] };
  private readonly spool: Spool;
  private current: Batch | null = null;
  private running = false;
  private force = false;
  private closing = false;
  private closed = false;
  private deadline = Infinity;
  private backoff: number;
  private readonly timer: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  private readyWaiters: (() => void)[] = [];
  private latencySum = 0;
  private readonly s: StoreStats;

  constructor(
    readonly client: ClickHouseClient,
    readonly kind: 'embedded' | 'remote',
    tuning: ResolvedTuning,
    migrations: MigrationResult,
  ) {
    this.t = tuning;
    this.database = tuning.database;
    this.backoff = tuning.retryMinMs;
    this.spool = new Spool(tuning.spoolDir, TABLES);
    this.s = {
      kind, database: tuning.database, rows_queued: 0, rows_inserted: { flows: 0, alerts: 0 }, inserts: 0,
      insert_errors: 0, retries: 0, rows_spooled: 0, rows_replayed: 0, rows_rejected: 0, rows_dropped: 0,
      spool_files: 0, spool_bytes: 0, backpressure_waits: 0, backpressure_wait_ms: 0,
      insert_latency_ms: { last: 0, avg: 0, max: 0 }, outage: false, last_error: null, migrations,
    };
    this.timer = setInterval(() => this.kick(true), tuning.flushIntervalMs);
    this.timer.unref();
    if (this.spool.files > 0) this.kick(true); // replay what a previous run left behind
  }

  insertFlows(records: readonly FlowRecord[]): boolean {
    return this.enqueue('flows', records, flowToRowLine);
  }

  insertAlerts(records: readonly AlertRecord[]): boolean {
    return this.enqueue('alerts', records, alertToRowLine);
  }

  private enqueue<T>(table: TableName, records: readonly T[], encode: (r: T) => string): boolean {
    if (this.closed) throw new Error('FENNEC_ERR_STORE_CLOSED: insert after close()');
    const q = this.queues[table];
    for (let i = 0; i < records.length; i++) q.push(encode(records[i]!));
    if (this.memRows() > this.t.memoryCapRows) this.spill(this.t.memoryCapRows);
    if (q.length >= this.t.batchRows) this.kick(false);
    return this.memRows() < this.t.highWaterRows;
  }

  ready(): Promise<void> {
    if (this.memRows() < this.t.highWaterRows || this.closed) return Promise.resolve();
    this.s.backpressure_waits++;
    const t0 = performance.now();
    return new Promise((resolve) => {
      this.readyWaiters.push(() => {
        this.s.backpressure_wait_ms += performance.now() - t0;
        resolve();
      });
      this.kick(true);
    });
  }

  async flush(): Promise<void> {
    this.kick(true);
    while (this.running || this.pendingRows() > 0) {
      if (!this.running) this.kick(true);
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  async close(): Promise<StoreStats> {
    if (this.closed) return this.stats();
    this.closing = true;
    this.deadline = Date.now() + this.t.closeTimeoutMs;
    clearInterval(this.timer);
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.wakeReady(true);
      await this.client.close();
    }
    return this.stats();
  }

  stats(): StoreStats {
    this.s.rows_queued = this.memRows();
    this.s.spool_files = this.spool.files;
    this.s.spool_bytes = this.spool.bytes;
    return { ...this.s, rows_inserted: { ...this.s.rows_inserted }, insert_latency_ms: { ...this.s.insert_latency_ms } };
  }

  /** Rows held in memory: queues plus the in-flight batch when it is not on disk. */
  private memRows(): number {
    const c = this.current;
    return this.queues.flows.length + this.queues.alerts.length + (c !== null && c.spool === null ? c.lines!.length : 0);
  }

  /** Work flush() waits for; once close() gave up, spooled batches stay for the next run. */
  private pendingRows(): number {
    const givenUp = this.closing && Date.now() >= this.deadline;
    return this.memRows() + (givenUp ? 0 : this.spool.files);
  }

  private kick(force: boolean): void {
    if (force) this.force = true;
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const b = this.next();
        if (b === null) break;
        this.current = b;
        try {
          await this.send(b);
        } finally {
          this.current = null;
        }
        this.wakeReady(false);
      }
    } catch (e) {
      if (!(e instanceof CloseDeadline)) throw e;
      // close() timed out with the server down: everything left goes to disk.
      this.spill(0);
    } finally {
      this.running = false;
      this.force = false;
      this.wakeReady(false);
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** Oldest work first: spooled batches, then full in-memory batches (partial ones when forced). */
  private next(): Batch | null {
    const e = this.spool.oldest();
    if (e !== undefined) return { table: e.table as TableName, lines: null, spool: e };
    for (const table of TABLES) {
      const q = this.queues[table];
      if (q.length >= this.t.batchRows || (this.force && q.length > 0)) {
        return { table, lines: q.splice(0, this.t.batchRows), spool: null };
      }
    }
    return null;
  }

  private async send(b: Batch): Promise<void> {
    for (;;) {
      const body = b.spool !== null ? this.spool.read(b.spool) : b.lines!.join('\n') + '\n';
      const rows = b.spool !== null ? countLines(body) : b.lines!.length;
      const t0 = performance.now();
      try {
        const res = await this.client.exec({
          query: `INSERT INTO ${this.database}.${b.table} (${COLUMNS[b.table].map((c) => `\`${c}\``).join(', ')}) FORMAT JSONCompactEachRow`,
          values: Readable.from([body], { objectMode: false }),
        });
        await drain(res.stream);
        const ms = performance.now() - t0;
        this.s.inserts++;
        this.latencySum += ms;
        this.s.insert_latency_ms.last = ms;
        this.s.insert_latency_ms.avg = this.latencySum / this.s.inserts;
        if (ms > this.s.insert_latency_ms.max) this.s.insert_latency_ms.max = ms;
        this.s.rows_inserted[b.table] += rows;
        if (b.spool !== null) {
          this.s.rows_replayed += rows;
          this.spool.remove(b.spool);
        }
        this.s.outage = false;
        this.backoff = this.t.retryMinMs;
        return;
      } catch (err) {
        this.s.insert_errors++;
        this.s.last_error = err instanceof Error ? err.message.slice(0, 500) : String(err);
        if (isPermanent(err)) {
          this.s.rows_rejected += rows;
          this.spool.reject(b.table, body);
          if (b.spool !== null) this.spool.remove(b.spool);
          return;
        }
        this.s.outage = true;
        if (this.closing && Date.now() >= this.deadline) {
          if (b.spool === null) this.toSpool(b);
          throw new CloseDeadline();
        }
        // Server down: keep memory at the high-water mark, the in-flight batch first.
        if (this.memRows() > this.t.highWaterRows && b.spool === null) this.toSpool(b);
        this.spill(this.t.highWaterRows);
        this.wakeReady(false);
        this.s.retries++;
        await sleep(Math.min(this.backoff, Math.max(0, this.deadline - Date.now())));
        this.backoff = Math.min(this.backoff * 2, this.t.retryMaxMs);
      }
    }
  }

  private toSpool(b: Batch): void {
    if (this.spool.bytes >= this.t.spoolMaxBytes) return;
    b.spool = this.spool.write(b.table, b.lines!.join('\n') + '\n');
    this.s.rows_spooled += b.lines!.length;
    b.lines = null;
  }

  /** Move the oldest in-memory batches to the spool until at most `limit` rows stay in memory. */
  private spill(limit: number): void {
    for (;;) {
      if (this.memRows() <= limit) return;
      const table = TABLES.find((t) => this.queues[t].length > 0);
      if (table === undefined) return;
      const q = this.queues[table];
      if (this.spool.bytes >= this.t.spoolMaxBytes) {
        // Memory and disk both full and the producer is not waiting: the only drop point.
        if (limit === this.t.memoryCapRows) {
          const n = this.memRows() - limit;
          const cut = Math.min(n, q.length);
          q.splice(0, cut);
          this.s.rows_dropped += cut;
          continue;
        }
        return;
      }
      const lines = q.splice(0, this.t.batchRows);
      this.spool.write(table, lines.join('\n') + '\n');
      this.s.rows_spooled += lines.length;
    }
  }

  private wakeReady(all: boolean): void {
    if (this.readyWaiters.length === 0) return;
    if (!all && this.memRows() >= this.t.highWaterRows) return;
    const w = this.readyWaiters;
    this.readyWaiters = [];
    for (const f of w) f();
  }
}

function countLines(body: string): number {
  let n = 0;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) n++;
  return n;
}

/** Create the client for either connection kind (same @clickhouse/client API for both). */
export async function createStoreClient(cfg: StoreConfig): Promise<ClickHouseClient> {
  if (cfg.kind === 'embedded') {
    const { createChdbConnection } = await import('chdb/connection');
    // chdb types its connection against its own copy of @clickhouse/client-common; the runtime
    // contract is the same (chdb/connection implements Connection<Readable>), the .d.ts differ.
    type Conn = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
    return createClient({ connection: createChdbConnection({ path: cfg.dataDir }) as unknown as Conn });
  }
  return createClient({
    url: cfg.url,
    username: cfg.username ?? 'default',
    password: cfg.password ?? '',
    ...(cfg.database !== undefined ? { database: cfg.database } : {}),
    request_timeout: cfg.requestTimeoutMs ?? 30_000,
  });
}

/** Connect, migrate the schema and start the writer. */
export async function openStore(cfg: StoreConfig): Promise<Store> {
  const tuning = resolveTuning(cfg);
  const client = await createStoreClient(cfg);
  let migrations: MigrationResult;
  try {
    migrations = await migrate(client, tuning.database, tuning.ttlDays);
  } catch (e) {
    await client.close();
    throw e;
  }
  return new ClickHouseStore(client, cfg.kind, tuning, migrations);
}

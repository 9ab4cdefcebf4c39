/**
 * Store configuration: a discriminated union on `kind`, like clickhouse-js's own config.
 * Everything but the connection has a default (see DEFAULT_STORE_TUNING).
 */
export type StoreConfig = (EmbeddedStoreConfig | RemoteStoreConfig) & StoreTuning;

/** In-process ClickHouse (chdb). Only ONE dataDir can be bound per process (chdb limit). */
export interface EmbeddedStoreConfig {
  kind: 'embedded';
  dataDir: string;
}

/** A ClickHouse server over HTTP(S). */
export interface RemoteStoreConfig {
  kind: 'remote';
  url: string;
  username?: string;
  password?: string;
  /** Database the client connects to for unqualified names (our SQL is always qualified). */
  database?: string;
  /** HTTP request timeout (ms); an insert that times out is retried. */
  requestTimeoutMs?: number;
}

export interface StoreTuning {
  /** Database holding Fennec's tables (default `fennec`). Must be an identifier. */
  database?: string;
  /** Retention of flows and alerts in days (default 30, max 25000). Applied by TTL; changed on open.
   *  Rows older than this are dropped at INSERT time: raise it to ingest old pcaps. */
  ttlDays?: number;
  /** Rows per INSERT (default 20000). */
  batchRows?: number;
  /** Max time a queued row waits before a flush (default 1000 ms). */
  flushIntervalMs?: number;
  /** Queued rows (all tables) above which `ready()` waits (default 4 × batchRows). */
  highWaterRows?: number;
  /** Rows kept in memory at most; beyond that the oldest batches go to the spool (default 10 × batchRows). */
  memoryCapRows?: number;
  /** Directory for spooled batches (default `<dataDir>/spool` or `./fennec-spool`). */
  spoolDir?: string;
  /** Spool size above which `ready()` waits instead of spilling more (default 8 GiB). */
  spoolMaxBytes?: number;
  /** Retry backoff: first delay and cap (default 100 ms .. 10 s, doubling). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long close() keeps retrying before it spools what is left (default 10 s). */
  closeTimeoutMs?: number;
}

export type ResolvedTuning = Required<StoreTuning>;

export function resolveTuning(cfg: StoreConfig): ResolvedTuning {
  const batchRows = cfg.batchRows ?? 20_000;
  const database = cfg.database ?? 'fennec';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`FENNEC_ERR_STORE_CONFIG: database name ${JSON.stringify(database)} is not an identifier`);
  }
  const ttlDays = cfg.ttlDays ?? 30;
  // TTL expressions are DateTime (32-bit, ends 2106-02-07): start + ttl past that wraps and
  // the rows expire at once (seen in tests with 2021 pcaps and ttlDays 36500). 25000 d ≈ 68 y.
  if (!Number.isInteger(ttlDays) || ttlDays < 1 || ttlDays > 25000) {
    throw new Error(`FENNEC_ERR_STORE_CONFIG: ttlDays must be an integer in 1..25000, got ${ttlDays}`);
  }
  const spoolDefault = cfg.kind === 'embedded' ? `${cfg.dataDir.replace(/\/+$/, '')}-spool` : './fennec-spool';
  return {
    database,
    ttlDays,
    batchRows,
    flushIntervalMs: cfg.flushIntervalMs ?? 1000,
    highWaterRows: cfg.highWaterRows ?? 4 * batchRows,
    memoryCapRows: cfg.memoryCapRows ?? 10 * batchRows,
    spoolDir: cfg.spoolDir ?? spoolDefault,
    spoolMaxBytes: cfg.spoolMaxBytes ?? 8 * 1024 ** 3,
    retryMinMs: cfg.retryMinMs ?? 100,
    retryMaxMs: cfg.retryMaxMs ?? 10_000,
    closeTimeoutMs: cfg.closeTimeoutMs ?? 10_000,
  };
}

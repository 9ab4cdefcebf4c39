/**
 * Fennec's HTTP API (fastify): flows, top talkers, alerts, stats, Prometheus /metrics, health, OpenAPI document.
 *
 *   const app = await buildServer({ store, statsProvider: () => sensor.stats(), logger });
 *   await app.listen({ port: 8080 });        // or: await serve({ store, ..., port: 8080 })
 *
 * `store` is what sensor/output/clickhouse.ts openStore() returns (only client, database and
 * stats() are used). `logger` is a pino instance, fastify logger options, or false.
 * Every query-string parameter is checked by JSON schema (unknown parameters are rejected);
 * a bad value is a 400 whose message starts with `querystring/<name>`. All SQL values are
 * ClickHouse query parameters. Reference: docs/api.md; machine-readable: /api/v1/openapi.json.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Store } from '../sensor/output/clickhouse.js';
import { registerAlertRoutes } from './alerts.js';
import { registerFlowRoutes } from './flows.js';
import { lossSummary, registerMetricsRoute } from './metrics.js';
import { registerRulesRoutes, type RulesReloaderLike } from './rules.js';

export interface ServerOptions {
  store: Pick<Store, 'client' | 'database' | 'stats'>;
  /** Sensor counters (packets, decode events, flows, drops…) shown under `sensor` in /api/v1/stats. */
  statsProvider?: () => unknown;
  logger?: FastifyBaseLogger | FastifyServerOptions['logger'];
  /** When rules are loaded: enables POST /api/v1/rules/reload (api/rules.ts). */
  rulesReloader?: RulesReloaderLike | null;
}

function isLoggerInstance(l: unknown): l is FastifyBaseLogger {
  return typeof l === 'object' && l !== null && typeof (l as { info?: unknown }).info === 'function' &&
    typeof (l as { child?: unknown }).child === 'function';
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { store } = opts;
  const app: FastifyInstance = Fastify({
    ...(isLoggerInstance(opts.logger) ? { loggerInstance: opts.logger } : { logger: opts.logger ?? false }),
    // Reject unknown query parameters instead of silently dropping them (a typo'd filter
    // would otherwise return everything).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }) as unknown as FastifyInstance;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Fennec API', version: '1', description: 'Flows, alerts and sensor statistics. See docs/api.md.' },
    },
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 503;
    if (status >= 500) req.log.error({ err }, 'store query failed');
    void reply.code(status).send({
      statusCode: status,
      code: err.code ?? (status === 400 ? 'FENNEC_ERR_BAD_PARAM' : 'FENNEC_ERR_STORE'),
      error: status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : 'Service Unavailable',
      message: status >= 500 ? `store unavailable: ${err.message.slice(0, 300)}` : err.message,
    });
  });

  registerFlowRoutes(app, store.client, store.database);
  registerAlertRoutes(app, store.client, store.database);
  registerMetricsRoute(app, () => (opts.statsProvider ? opts.statsProvider() : null), () => store.stats());
  if (opts.rulesReloader) registerRulesRoutes(app, opts.rulesReloader);

  app.get('/api/v1/stats', { schema: { summary: 'Store writer counters, table sizes and sensor counters' } }, async () => {
    const rs = await store.client.query({
      query: `SELECT table, toString(sum(rows)) AS rows, toString(sum(bytes_on_disk)) AS bytes_on_disk, count() AS parts
              FROM system.parts WHERE database = {db:String} AND active GROUP BY table ORDER BY table`,
      query_params: { db: store.database }, format: 'JSONEachRow',
    });
    const tables: Record<string, { rows: number; bytes_on_disk: number; parts: number }> = {};
    for (const t of await rs.json<{ table: string; rows: string; bytes_on_disk: string; parts: number }>()) {
      tables[t.table] = { rows: Number(t.rows), bytes_on_disk: Number(t.bytes_on_disk), parts: Number(t.parts) };
    }
    const st = store.stats();
    const sensor = opts.statsProvider ? opts.statsProvider() : null;
    // "Where did my packets go?": loss split by where it happens (api/metrics.ts).
    return { store: st, tables, sensor, loss: lossSummary(sensor, st) };
  });

  app.get('/healthz', { schema: { summary: 'Liveness: answers 200 when the store answers SELECT 1' } }, async (_req, reply) => {
    try {
      const rs = await store.client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
      await rs.json();
      return { status: 'ok' };
    } catch (e) {
      return reply.code(503).send({ status: 'unavailable', error: e instanceof Error ? e.message.slice(0, 300) : String(e) });
    }
  });

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}

/** Build and listen; returns the listening instance. Default 127.0.0.1:8080. */
export async function serve(opts: ServerOptions & { host?: string; port?: number }): Promise<FastifyInstance> {
  const app = await buildServer(opts);
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });
  return app;
}

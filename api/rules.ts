/**
 * POST /api/v1/rules/reload: load and compile the rule files again and swap every worker to
 * the new ruleset (rules/reload.ts). 200 with the new generation when the ruleset was
 * accepted; 422 with the reason when it was rejected (the old ruleset keeps running).
 */
import type { FastifyInstance } from 'fastify';
import type { ReloadResult } from '../rules/reload.js';

export interface RulesReloaderLike {
  reload(): Promise<ReloadResult>;
}

const result = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' }, error: { type: 'string' }, generation: { type: 'integer' },
    loaded: { type: 'integer' }, skipped: { type: 'integer' }, load_ms: { type: 'number' }, compile_ms: { type: 'number' },
  },
} as const;

export function registerRulesRoutes(app: FastifyInstance, reloader: RulesReloaderLike): void {
  app.post('/api/v1/rules/reload', {
    schema: {
      summary: 'Reload the rule files: validate, compile, swap all workers atomically; a bad ruleset is rejected (422) and the old one keeps running',
      response: { 200: result, 422: result },
    },
  }, async (_req, reply) => {
    const r = await reloader.reload();
    const body = {
      ok: r.ok, error: r.error, generation: r.generation, loaded: r.loaded, skipped: r.skipped,
      load_ms: Math.round(r.loadMs), compile_ms: Math.round(r.compileMs),
    };
    return reply.code(r.ok ? 200 : 422).send(body);
  });
}

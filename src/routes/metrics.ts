import type { FastifyInstance } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Metrics } from './metrics-registry.ts'

/** Route label of a request that matched no route (404s, router errors): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched'

/**
 * Times every request into `jobvisor_http_request_duration_seconds`. Call on the root instance
 * before registering routes so the hook covers all of them. Hijacked replies (SSE streams) skip
 * `onResponse`, which suits us: a stream's lifetime is not a request duration.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeHttpRequest(
      req.method,
      req.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    )
  })
}

/** `GET /metrics`. Whether it needs a token is auth's decision (JOBVISOR_METRICS_AUTH), not this route's. */
export const metricsRoutes: FastifyPluginAsyncZod<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        operationId: 'getMetrics',
        description:
          'Text exposition format 0.0.4: job counters and histograms, per-state gauges, HTTP request durations by route pattern, process metrics.',
        tags: ['operations'],
        response: {
          200: {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: z.string() } },
          },
        },
      },
    },
    async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  )
}

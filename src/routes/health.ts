import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

export interface Readiness {
  /** False while starting and while draining: load balancers should stop sending work. */
  isReady(): boolean
  /** Why it is not ready, for the operator (e.g. the store refusing writes). */
  reason?(): string | null
}

const Status = z.object({
  status: z.enum(['ok', 'unavailable']),
  reason: z.string().optional().describe('Why the service is not ready'),
})

export const healthRoutes: FastifyPluginAsyncZod<{ readiness: Readiness }> = async (app, { readiness }) => {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', tags: ['operations'], response: { 200: Status } } },
    async () => ({ status: 'ok' as const }),
  )
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness (503 while starting, draining, or while the store refuses writes)',
        tags: ['operations'],
        response: { 200: Status, 503: Status },
      },
    },
    async (_req, reply) => {
      if (readiness.isReady()) return { status: 'ok' as const }
      const reason = readiness.reason?.() ?? undefined
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ status: 'unavailable' as const, ...(reason ? { reason } : {}) })
    },
  )
}

import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { withinPrefix } from './auth.ts'
import { HttpProblem } from './problem.ts'

/** Probes must answer however busy a client is, or an orchestrator would restart a healthy pod. */
const UNLIMITED = new Set(['/healthz', '/readyz'])

/**
 * Optional per-token rate limit (JOBVISOR_RATE_LIMIT requests per minute) with
 * @fastify/rate-limit. Keyed on the token's fingerprint set by the auth hook, so each client has
 * its own budget; without auth, on the client address. Beyond it: 429 problem+json with
 * Retry-After. Register after installAuth (its hook must have run) and before the routes.
 */
export async function installRateLimit(app: FastifyInstance, perMinute: number, prefix = ''): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.principal ? `token:${req.principal.fingerprint}` : `ip:${req.ip}`),
    allowList: (req) => UNLIMITED.has(withinPrefix(req.routeOptions.url, prefix) ?? ''),
    errorResponseBuilder: (_req, context) =>
      new HttpProblem(
        429,
        'Too Many Requests',
        `more than ${context.max} requests per minute from this client; retry in ${context.after}`,
      ),
  })
}

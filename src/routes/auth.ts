import { createHash, timingSafeEqual } from 'node:crypto'
import type { SwaggerTransform } from '@fastify/swagger'
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify'
import { HttpProblem } from './problem.ts'

/** `read` may use GET/HEAD/OPTIONS; `write` may do everything (SPEC §8). */
export type Role = 'read' | 'write'

/** A configured bearer token (JOBVISOR_TOKENS) and what it may do. */
export interface Token {
  token: string
  role: Role
}

/** The caller behind a request's bearer token. */
export interface Principal {
  role: Role
  /** First 12 hex chars of sha256(token): a per-token key (rate limits, logs) that does not reveal the token. */
  fingerprint: string
}

/** One registered method + URL pattern, as Fastify's router sees it. */
export interface RouteEntry {
  method: string
  url: string
}

/** What buildApp needs to enforce bearer auth; absent means auth is off. */
export interface AuthOptions {
  /** From JOBVISOR_TOKENS; empty means auth is off (server.ts then binds loopback only). */
  tokens: readonly Token[]
  /** False when JOBVISOR_AUTH=off: every route is open even if tokens are configured. */
  enabled: boolean
  /** JOBVISOR_METRICS_AUTH: `/metrics` needs a read token instead of being open. */
  metricsNeedAuth: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Overrides the method rule: a POST that only reads (e.g. wait) declares `access: 'read'`. */
    access?: Role
  }
  interface FastifyRequest {
    /** Set by the auth hook; null when auth is off or the route is open. */
    principal: Principal | null
  }
  interface FastifyInstance {
    /** Every route registered after installAuth, so the auth matrix test cannot miss one. */
    routeTable: readonly RouteEntry[]
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const CHALLENGE = 'Bearer realm="jobvisor"'

/**
 * Routes that answer without a token. Probes must work for orchestrators that hold no secret.
 * `/docs*` and `/openapi.json` are open too: they describe the API's shape, never its data
 * (no job, schedule, log or param values), and a client needs them to learn how to authenticate.
 */
export function isOpenRoute(url: string | undefined, metricsNeedAuth: boolean): boolean {
  // No matched route (404): demand a token anyway, so probing without one reveals nothing.
  if (url === undefined) return false
  if (url === '/healthz' || url === '/readyz') return true
  if (url === '/metrics') return !metricsNeedAuth
  // The dashboard's files (SPEC §12) hold no data either: the page asks for a token and sends it.
  if (url === '/ui' || url.startsWith('/ui/')) return true
  return url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/')
}

const sha256 = (value: string) => createHash('sha256').update(value).digest()

/** A route's URL as `isOpenRoute` knows it: without the prefix the API is mounted under (jobvisorPlugin). */
export const withinPrefix = (url: string | undefined, prefix: string): string | undefined =>
  url !== undefined && prefix !== '' && url.startsWith(prefix) ? url.slice(prefix.length) || '/' : url

/**
 * Adds the `onRequest` auth hook (it covers every route and the 404 handler of the instance) and
 * the route table. Call it on the API's instance before any route or plugin is registered.
 */
export function installAuth(app: FastifyInstance, options: AuthOptions | undefined, prefix = ''): void {
  const routes: RouteEntry[] = []
  app.decorate('routeTable', routes)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url })
  })
  app.decorateRequest('principal', null)

  if (!options || options.tokens.length === 0) return
  if (!options.enabled) {
    app.log.warn(
      { tokens: options.tokens.length },
      'JOBVISOR_AUTH=off: configured tokens are ignored, every route is open',
    )
    return
  }

  // Hash once here: every comparison is then between two 32-byte digests, so timingSafeEqual
  // never sees a length difference that would leak a token's length.
  const known = options.tokens.map(({ token, role }) => {
    const digest = sha256(token)
    return { digest, principal: { role, fingerprint: digest.toString('hex').slice(0, 12) } }
  })
  const { metricsNeedAuth } = options

  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (isOpenRoute(withinPrefix(req.routeOptions.url, prefix), metricsNeedAuth)) return
    const presented = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1]
    if (presented === undefined) {
      throw new HttpProblem(
        401,
        'Unauthorized',
        'this route needs an Authorization: Bearer <token> header',
        undefined,
        {
          'www-authenticate': CHALLENGE,
        },
      )
    }
    const digest = sha256(presented)
    let principal: Principal | null = null
    // Compare against every token, with no early exit, so timing does not tell which one matched.
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, digest) && principal === null) principal = entry.principal
    }
    if (principal === null) {
      throw new HttpProblem(401, 'Unauthorized', 'the bearer token is not valid', undefined, {
        'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
      })
    }
    req.principal = principal
    const access = req.routeOptions.config.access ?? (READ_METHODS.has(req.method) ? 'read' : 'write')
    if (principal.role === 'read' && access === 'write') {
      throw new HttpProblem(
        403,
        'Forbidden',
        `a read token may not ${req.method} this route; use a write token`,
      )
    }
  })
}

/**
 * Wraps the swagger route transform so the OpenAPI document marks the routes that
 * `isOpenRoute` lets through with `security: []`, overriding the document-level bearer requirement.
 */
export function withOpenRouteSecurity<S extends FastifySchema>(
  transform: SwaggerTransform<S>,
  metricsNeedAuth: boolean,
  prefix = '',
): SwaggerTransform<S> {
  return (input) => {
    const output = transform(input)
    if (!isOpenRoute(withinPrefix(input.url, prefix), metricsNeedAuth)) return output
    return { ...output, schema: { ...output.schema, security: [] } }
  }
}

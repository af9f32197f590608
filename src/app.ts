import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Logger } from 'pino'
import { createIdGenerator } from './ids.ts'
import type { JobEngine } from './jobs/engine.ts'
import type { InstancePresence } from './jobs/presence.ts'
import {
  type AuthOptions,
  installAuth,
  isOpenRoute,
  withinPrefix,
  withOpenRouteSecurity,
} from './routes/auth.ts'
import { clientErrorHandler } from './routes/client-error.ts'
import { type EventsRouteOptions, eventsRoutes } from './routes/events.ts'
import { healthRoutes, type Readiness } from './routes/health.ts'
import { instancesRoutes } from './routes/instances.ts'
import { jobCountsRoutes } from './routes/job-counts.ts'
import { jobTypesRoutes } from './routes/job-types.ts'
import { jobsRoutes } from './routes/jobs.ts'
import { jobsWaitRoutes } from './routes/jobs-wait.ts'
import { installJsonBody } from './routes/json-body.ts'
import { installHttpMetrics, metricsRoutes } from './routes/metrics.ts'
import type { Metrics } from './routes/metrics-registry.ts'
import { createOpenApiTransforms } from './routes/openapi/transform.ts'
import { frameworkErrorHandler, notFoundHandler, problemHandler } from './routes/problem.ts'
import { installRateLimit } from './routes/rate-limit.ts'
import { schedulesRoutes } from './routes/schedules.ts'
import { responseSerializer } from './routes/serializer.ts'
import { uiRoutes } from './routes/ui.ts'
import type { ScheduleService } from './scheduler/schedules.ts'

export interface AppDeps {
  engine: JobEngine
  readiness: Readiness
  logger?: Logger
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimit?: number
  /** Bearer-token auth (SPEC §8); absent means every route is open. */
  auth?: AuthOptions
  /** Prometheus metrics for `GET /metrics` and the HTTP timing hook; absent means no such route. */
  metrics?: Metrics
  /** `GET /v1/events` (SSE); absent means no such route. */
  events?: EventsRouteOptions
  /** `/v1/schedules`; absent means no such routes. */
  schedules?: ScheduleService
  /** `GET /v1/instances`; absent means no such route. */
  presence?: InstancePresence
  /** JOBVISOR_RATE_LIMIT: requests per minute per token; 0 or absent means no limit. */
  rateLimitPerMinute?: number
  /** JOBVISOR_REQUEST_TIMEOUT_MS: how long a request (headers and body) may take to arrive; default 30 s. */
  requestTimeoutMs?: number
  /** Check every response against its zod schema (tests); production only stringifies. */
  validateResponses?: boolean
  /** The dashboard's built files (SPEC §12); default dist/ui of the package. */
  uiDir?: string
}

export const API_DESCRIPTION = `HTTP job control: create jobs that run inside the service, list them, wait for them,
cancel them and bound them with timeouts. Errors are application/problem+json (RFC 9457) and name the offending field.
Authenticate with \`Authorization: Bearer <token>\`: a read token may GET, a write token may do everything.`

/**
 * SPEC §8 slow clients: Node's `requestTimeout` bounds the time until a request has fully
 * arrived (headers and body) and `headersTimeout` the headers alone; neither applies once it has
 * arrived, so a long-poll wait or an SSE stream is never cut. Node checks them every
 * `connectionsCheckingInterval` (30 s by default, too coarse for a 30 s bound): a quarter of the
 * timeout here, so a request is cut within 1.25× the bound.
 */
function slowClientOptions(timeoutMs: number) {
  return {
    requestTimeout: timeoutMs,
    http: {
      requestTimeout: timeoutMs,
      headersTimeout: Math.min(60_000, timeoutMs),
      connectionsCheckingInterval: Math.max(25, Math.min(30_000, Math.ceil(timeoutMs / 4))),
    },
  }
}

/**
 * Builds the Fastify instance; never listens and never reads the environment (server.ts does).
 * Only the server-wide options are set here; the API itself is `jobvisorApi`, applied straight to
 * this root instance (not registered), so its parsers, hooks and handlers are the app's own.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const newRequestId = createIdGenerator()
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    genReqId: () => newRequestId(),
    // Client-supplied ids are not trusted.
    requestIdHeader: false,
    ...slowClientOptions(deps.requestTimeoutMs ?? 30_000),
    clientErrorHandler,
    return503OnClosing: true,
    forceCloseConnections: true,
    // Bad percent-encoding fails in the router, before any handler.
    frameworkErrors: frameworkErrorHandler,
    // Above any URL Node accepts (16 KiB of headers): an over-long id reaches its zod schema and
    // is the 400 its documented maxLength implies, not the router's 414 (no route has a regex param).
    routerOptions: { maxParamLength: 16 * 1024 },
  }).withTypeProvider<ZodTypeProvider>()
  await jobvisorApi(app, deps)
  return app
}

/**
 * The whole API as a Fastify plugin. Everything it sets — compilers, the JSON body parser, the
 * problem+json error and 404 handlers, the auth hook and request decoration, metrics, rate limit,
 * OpenAPI — is scoped to the instance it runs on: the root for buildApp, an encapsulated child
 * under a prefix for jobvisorPlugin, where the host's own routes keep their parsers, errors and
 * hooks. Paths it matches on (open routes) are taken relative to that instance's prefix.
 */
export const jobvisorApi: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  // A route-level body limit, so the bound holds in a host app whose server-wide limit differs.
  const bodyLimit = deps.bodyLimit ?? 1024 * 1024
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(responseSerializer(deps.validateResponses ?? false))
  app.setErrorHandler(problemHandler)
  app.setNotFoundHandler(notFoundHandler)
  installJsonBody(app)
  // Before any register: the auth hook and the route table must see every route, 404s included.
  installAuth(app, deps.auth, app.prefix)
  if (deps.metrics) installHttpMetrics(app, deps.metrics)
  if (deps.rateLimitPerMinute) await installRateLimit(app, deps.rateLimitPerMinute, app.prefix)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'jobvisor', version: '1', description: API_DESCRIPTION },
      tags: [
        { name: 'jobs', description: 'One-off jobs: create, list, wait, cancel, logs' },
        { name: 'schedules', description: 'Periodic (interval, cron) and background (daemon) jobs' },
        { name: 'job-types', description: 'What can run' },
        { name: 'operations', description: 'Probes, metrics, documentation' },
      ],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    ...openApiTransforms(deps, app.prefix),
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await app.register(healthRoutes, { readiness: deps.readiness })
  await app.register(jobTypesRoutes, { prefix: '/v1', registry: deps.engine.registry })
  await app.register(jobsWaitRoutes, { prefix: '/v1', engine: deps.engine })
  await app.register(jobCountsRoutes, { prefix: '/v1', engine: deps.engine })
  await app.register(jobsRoutes, { prefix: '/v1', engine: deps.engine })
  if (deps.schedules) await app.register(schedulesRoutes, { prefix: '/v1', schedules: deps.schedules })
  if (deps.events) await app.register(eventsRoutes, { prefix: '/v1', ...deps.events })
  if (deps.presence) await app.register(instancesRoutes, { prefix: '/v1', presence: deps.presence })
  if (deps.metrics) await app.register(metricsRoutes, { metrics: deps.metrics })
  await app.register(uiRoutes, { dir: deps.uiDir })
}

/** The document says what the server does: see src/routes/openapi/. */
function openApiTransforms(deps: AppDeps, prefix: string) {
  const metricsNeedAuth = deps.auth?.metricsNeedAuth ?? false
  const { transform, transformObject } = createOpenApiTransforms({
    isOpen: (url) => isOpenRoute(withinPrefix(url, prefix), metricsNeedAuth),
    registry: deps.engine.registry,
  })
  return { transform: withOpenRouteSecurity(transform, metricsNeedAuth, prefix), transformObject }
}

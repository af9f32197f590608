import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from './app.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Config } from './config.ts'
import { builtinRegistry } from './jobs/builtins.ts'
import { JobEngine } from './jobs/engine.ts'
import type { JobTypeRegistry } from './jobs/registry.ts'
import { Retention } from './jobs/retention.ts'
import { Metrics } from './metrics.ts'
import { EventHub } from './routes/event-hub.ts'
import { jobEventSource } from './routes/events.ts'
import { scheduleEventSource } from './routes/schedule-schemas.ts'
import { Scheduler } from './scheduler/scheduler.ts'
import { ScheduleService } from './scheduler/schedules.ts'
import { openSqlite } from './store/sqlite/index.ts'
import type { Store } from './store/store.ts'

export interface Service {
  app: FastifyInstance
  engine: JobEngine
  store: Store
  registry: JobTypeRegistry
  /** Fires schedules; its `events` carry schedule changes. */
  scheduler: Scheduler
  /** The schedules API (create, patch, pause, resume, trigger, stop, delete). */
  schedules: ScheduleService
  /** Prometheus metrics; the scheduler reports run lateness with `observeScheduleLateness`. */
  metrics: Metrics
  /** Feeds `GET /v1/events`; a bus joins it with `events.addSource(bus, channel, source)`. */
  events: EventHub
  /** SPEC §8 shutdown order: stop accepting, drain jobs within the grace, close HTTP, close the store. */
  shutdown(graceMs?: number): Promise<void>
}

export interface ServiceOverrides {
  clock?: Clock
  store?: Store
  registry?: JobTypeRegistry
  /** SSE heartbeat interval (default 15 s), short in tests. */
  sseHeartbeatMs?: number
  /** Validate every response against its schema (tests). */
  validateResponses?: boolean
}

/** Wires config → store → engine → app. Used by server.ts and by tests that need the whole service. */
export async function createService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  const store = overrides.store ?? (await openSqlite(config.JOBVISOR_DB))
  const registry =
    overrides.registry ??
    builtinRegistry({
      httpAllowPrivate: config.JOBVISOR_HTTP_ALLOW_PRIVATE,
      commands: config.JOBVISOR_COMMANDS,
      commandEnv: config.JOBVISOR_COMMAND_ENV,
      killGraceMs: config.JOBVISOR_GRACE_MS,
    })
  const engine = new JobEngine({
    store,
    registry,
    clock: overrides.clock ?? systemClock,
    logger,
    owner: randomUUID(),
    maxConcurrency: config.JOBVISOR_MAX_CONCURRENCY,
    graceMs: config.JOBVISOR_GRACE_MS,
    maxTimeoutMs: config.JOBVISOR_MAX_TIMEOUT_MS ?? null,
    leaseMs: config.JOBVISOR_LEASE_MS,
    maxLogLinesPerJob: config.JOBVISOR_MAX_LOG_LINES,
    maxResultBytes: 1024 * 1024,
    maxQueued: config.JOBVISOR_MAX_QUEUED,
  })
  let draining = false
  const metrics = new Metrics({ engine, store })
  const events = new EventHub({ onError: (err) => logger.error({ err }, 'event stream listener failed') })
  events.addSource(engine.events, 'job', jobEventSource)
  const clock = overrides.clock ?? systemClock
  const scheduler = new Scheduler({
    store,
    engine,
    clock,
    logger,
    observeLateness: (seconds) => metrics.observeScheduleLateness(seconds),
  })
  const schedules = new ScheduleService({
    store,
    registry,
    scheduler,
    clock,
    logger,
    minIntervalMs: config.JOBVISOR_MIN_INTERVAL_MS,
  })
  events.addSource(scheduler.events, 'schedule', scheduleEventSource)
  const app = await buildApp({
    engine,
    logger,
    bodyLimit: config.JOBVISOR_BODY_LIMIT,
    auth: {
      tokens: config.JOBVISOR_TOKENS,
      enabled: config.JOBVISOR_AUTH === 'on',
      metricsNeedAuth: config.JOBVISOR_METRICS_AUTH,
    },
    readiness: { isReady: () => engine.isAccepting && !draining },
    metrics,
    events: {
      hub: events,
      maxStreams: config.JOBVISOR_MAX_SSE_STREAMS,
      heartbeatMs: overrides.sseHeartbeatMs,
    },
    schedules,
    rateLimitPerMinute: config.JOBVISOR_RATE_LIMIT,
    requestTimeoutMs: config.JOBVISOR_REQUEST_TIMEOUT_MS,
    validateResponses: overrides.validateResponses,
  })
  await engine.start()
  // After the engine: runs it recovered are settled by the scheduler's first pass.
  await scheduler.start()
  const retention =
    config.JOBVISOR_RETENTION === null
      ? null
      : new Retention({
          jobs: store.jobs,
          clock: overrides.clock ?? systemClock,
          logger,
          retentionMs: config.JOBVISOR_RETENTION,
        })
  retention?.start()
  let closed: Promise<void> | undefined
  const shutdown = (graceMs = config.JOBVISOR_SHUTDOWN_GRACE_MS) => {
    closed ??= (async () => {
      draining = true
      // New jobs get 503 from now on, even while the scheduler finishes a pass in flight.
      engine.stopAccepting()
      // Stops sweeping at once (sync part); the store stays open until a sweep in progress ends.
      const retentionStopped = retention?.stop()
      // SPEC §8: the scheduler stops firing before the engine drains, so no run starts mid-drain.
      await scheduler.stop()
      await engine.drain(graceMs)
      await retentionStopped
      await app.close()
      await store.close()
    })()
    return closed
  }
  return { app, engine, store, registry, scheduler, schedules, metrics, events, shutdown }
}

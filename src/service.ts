import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { type AppDeps, buildApp, jobvisorApi } from './app.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Config } from './config.ts'
import { addJobTypes, checkAddedTypes, type JobTypeSource, resolveTypeSources } from './jobs/added-types.ts'
import { builtinRegistry } from './jobs/builtins.ts'
import { JobEngine } from './jobs/engine.ts'
import { InstancePresence } from './jobs/presence.ts'
import { CommandProcesses } from './jobs/processes/command-processes.ts'
import type { ReapScope } from './jobs/processes/reaper.ts'
import type { JobTypeRegistry } from './jobs/registry.ts'
import { Retention } from './jobs/retention.ts'
import { loadTypeModules } from './jobs/type-modules.ts'
import { EventHub } from './routes/event-hub.ts'
import { jobEventSource } from './routes/events.ts'
import { Metrics } from './routes/metrics-registry.ts'
import { scheduleEventSource } from './routes/schedule-schemas.ts'
import { Scheduler } from './scheduler/scheduler.ts'
import { ScheduleService } from './scheduler/schedules.ts'
import { openStore } from './store/open.ts'
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
  /** JOBVISOR_INSTANCE_ID (or the default: host name, pid and a random suffix). */
  instance: string
  /** This instance's registration (GET /v1/instances). */
  presence: InstancePresence
  /** Every `command` run's processes: recorded, contained, ended (SPEC §8). */
  processes: CommandProcesses
  /** Prometheus metrics; the scheduler reports run lateness with `observeScheduleLateness`. */
  metrics: Metrics
  /** Feeds `GET /v1/events`; a bus joins it with `events.addSource(bus, channel, source)`. */
  events: EventHub
  /** Starts claiming jobs and firing schedules; createService has already called it unless `host` was given. */
  start(): Promise<void>
  /** SPEC §8 shutdown order: stop accepting, drain jobs within the grace, close HTTP, close the store. */
  shutdown(graceMs?: number): Promise<void>
}

export interface ServiceOverrides {
  clock?: Clock
  store?: Store
  /** Types added to the built-ins, after those of JOBVISOR_TYPES (createJobvisor's `types`, tests). */
  types?: readonly JobTypeSource[]
  /**
   * Mount the API into this existing app under `prefix` instead of building one (jobvisorPlugin);
   * the service then waits for `start()` and its shutdown leaves the host app to its owner.
   */
  host?: { app: FastifyInstance; prefix: string }
  /** The processes object the `command` type is built with (default: one made here). */
  processes?: CommandProcesses
  /** SSE heartbeat interval (default 15 s), short in tests. */
  sseHeartbeatMs?: number
  /** Validate every response against its schema (tests). */
  validateResponses?: boolean
  /** The dashboard's built files (tests build their own). */
  uiDir?: string
}

/**
 * A shared store's record of a command run on another machine is forgotten after this: only an
 * instance on that machine can end its processes, and one that has not started there for a week
 * is taken as gone with its machine.
 */
const OTHER_BOOT_RECORDS_MS = 7 * 86_400_000

/** Wires config → store → engine → app. Used by server.ts and by tests that need the whole service. */
export async function createService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  // SPEC §9: the user's modules load first, so a bad one stops the start before anything is opened.
  const added = [
    ...(await loadTypeModules(config.JOBVISOR_TYPES, process.cwd())),
    ...(await resolveTypeSources(overrides.types ?? [], process.cwd())),
  ]
  const store =
    overrides.store ??
    (await openStore(config.JOBVISOR_DB, {
      poolSize: config.JOBVISOR_PG_POOL,
      maxTicksPerSchedule: config.JOBVISOR_MAX_TICKS,
      logger,
    }))
  // The owner is this process (a restart with the same JOBVISOR_INSTANCE_ID is another owner, whose
  // predecessor's runs are recovered); the instance id is what operators and clients see.
  const owner = randomUUID()
  const instance = config.JOBVISOR_INSTANCE_ID ?? `${hostname()}-${process.pid}-${owner.slice(0, 6)}`
  const processes =
    overrides.processes ??
    new CommandProcesses({
      store: store.processes,
      owner,
      logger,
      containment: config.JOBVISOR_COMMAND_CONTAINMENT,
      enabled: config.JOBVISOR_COMMANDS.length > 0,
      killGraceMs: config.JOBVISOR_GRACE_MS,
    })
  const registry = builtinRegistry({
    httpAllowPrivate: config.JOBVISOR_HTTP_ALLOW_PRIVATE,
    commands: config.JOBVISOR_COMMANDS,
    commandEnv: config.JOBVISOR_COMMAND_ENV,
    killGraceMs: config.JOBVISOR_GRACE_MS,
    processes,
  })
  try {
    checkAddedTypes(registry, added)
  } catch (err) {
    if (!overrides.store) await store.close()
    throw err
  }
  const workers = addJobTypes(registry, added, { workers: config.JOBVISOR_WORKERS, logger })
  const engine = new JobEngine({
    store,
    registry,
    clock: overrides.clock ?? systemClock,
    logger,
    owner,
    instance,
    maxConcurrency: config.JOBVISOR_MAX_CONCURRENCY,
    graceMs: config.JOBVISOR_GRACE_MS,
    maxTimeoutMs: config.JOBVISOR_MAX_TIMEOUT_MS ?? null,
    leaseMs: config.JOBVISOR_LEASE_MS,
    maxLogLinesPerJob: config.JOBVISOR_MAX_LOG_LINES,
    maxResultBytes: 1024 * 1024,
    maxQueued: config.JOBVISOR_MAX_QUEUED,
    remoteEventWanted: () => events.subscriberCount > 0,
    // Shared stores recover on every heartbeat; an exclusive one only at start, after processes.start.
    beforeRecover: async () => {
      if (!store.exclusive) await processes.reap(await reapScope())
    },
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
    remoteEventWanted: () => events.subscriberCount > 0,
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
  /**
   * Whose command runs are dead. A store of one process: every other owner. A shared one: owners
   * no live instance is registered under (an instance unseen for the lease is dead, as its jobs).
   */
  const reapScope = async (): Promise<ReapScope> => {
    if (store.exclusive) return { isOwnerAlive: () => false, otherBootAfterMs: 0 }
    const live = new Set((await presence.list()).map((i) => i.owner))
    return { isOwnerAlive: (o) => live.has(o), otherBootAfterMs: OTHER_BOOT_RECORDS_MS }
  }
  const presence = new InstancePresence({
    store,
    clock,
    logger,
    id: instance,
    owner,
    leaseMs: config.JOBVISOR_LEASE_MS,
    running: () => engine.runningCount,
  })
  const api: AppDeps = {
    engine,
    presence,
    logger,
    bodyLimit: config.JOBVISOR_BODY_LIMIT,
    auth: {
      tokens: config.JOBVISOR_TOKENS,
      enabled: config.JOBVISOR_AUTH === 'on',
      metricsNeedAuth: config.JOBVISOR_METRICS_AUTH,
    },
    readiness: {
      isReady: () => engine.isAccepting && !draining && store.health.isWritable,
      reason: () => {
        if (draining) return 'shutting down'
        if (!engine.isAccepting) return 'starting'
        const fault = store.health.fault
        // /readyz is open: the cause stays in the log ('request refused', 'job outcome kept').
        return fault && `the store refuses writes since ${new Date(fault.since).toISOString()}`
      },
    },
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
    uiDir: overrides.uiDir,
  }
  const { host } = overrides
  if (host) await host.app.register(jobvisorApi, { ...api, prefix: host.prefix })
  const app = host ? host.app : await buildApp(api)
  store.health.onChange((writable) => {
    if (writable) logger.warn('the store writes again; kept outcomes are being stored')
    else
      logger.error(
        { fault: store.health.fault },
        'the store refuses writes: not ready, requests needing it get 503',
      )
  })
  const retention =
    config.JOBVISOR_RETENTION === null
      ? null
      : new Retention({
          jobs: store.jobs,
          clock: overrides.clock ?? systemClock,
          logger,
          retentionMs: config.JOBVISOR_RETENTION,
        })
  let started: Promise<void> | undefined
  const start = () => {
    started ??= (async () => {
      // SPEC §8: what a crashed predecessor left running is ended before its runs are retried.
      await processes.start(await reapScope())
      await presence.start()
      await engine.start()
      // After the engine: runs it recovered are settled by the scheduler's first pass.
      await scheduler.start()
      retention?.start()
    })()
    return started
  }
  if (!host) await start()
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
      // Every worker run has settled or been forced: what is left of the threads can go.
      await workers?.close()
      // Runs had stopSignal (SIGTERM) and the grace: whatever they left alive is SIGKILLed now.
      await processes.endAll()
      await presence.stop()
      await retentionStopped
      if (!host) await app.close()
      await store.close()
    })()
    return closed
  }
  return {
    app,
    engine,
    store,
    registry,
    instance,
    presence,
    processes,
    scheduler,
    schedules,
    metrics,
    events,
    start,
    shutdown,
  }
}

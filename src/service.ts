import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from './app.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Config } from './config.ts'
import { builtinRegistry } from './jobs/builtins.ts'
import { JobEngine } from './jobs/engine.ts'
import type { JobTypeRegistry } from './jobs/registry.ts'
import { openSqlite } from './store/sqlite/index.ts'
import type { Store } from './store/store.ts'

export interface Service {
  app: FastifyInstance
  engine: JobEngine
  store: Store
  registry: JobTypeRegistry
  /** SPEC §8 shutdown order: stop accepting, drain jobs within the grace, close HTTP, close the store. */
  shutdown(graceMs?: number): Promise<void>
}

export interface ServiceOverrides {
  clock?: Clock
  store?: Store
  registry?: JobTypeRegistry
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
  const app = await buildApp({
    engine,
    logger,
    bodyLimit: config.JOBVISOR_BODY_LIMIT,
    readiness: { isReady: () => engine.isAccepting && !draining },
  })
  await engine.start()
  let closed: Promise<void> | undefined
  const shutdown = (graceMs = config.JOBVISOR_SHUTDOWN_GRACE_MS) => {
    closed ??= (async () => {
      draining = true
      await engine.drain(graceMs)
      await app.close()
      await store.close()
    })()
    return closed
  }
  return { app, engine, store, registry, shutdown }
}

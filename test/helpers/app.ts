import type { FastifyInstance } from 'fastify'
import { type Logger, pino } from 'pino'
import supertest from 'supertest'
import { afterEach } from 'vitest'
import { type Config, loadConfig } from '../../src/config.ts'
import type { JobTypeSource } from '../../src/jobs/added-types.ts'
import type { JobEngine } from '../../src/jobs/engine.ts'
import type { JobTypeRegistry } from '../../src/jobs/registry.ts'
import { createService, type Service } from '../../src/service.ts'
import { openSqlite } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/store.ts'
import type { FakeClock } from './clock.ts'
import { type Observed, registerTestTypes } from './job-types.ts'

export interface TestApp {
  service: Service
  app: FastifyInstance
  engine: JobEngine
  store: Store
  registry: JobTypeRegistry
  observed: Observed
  request: ReturnType<typeof supertest>
}

const open: { service: Service; clock?: FakeClock }[] = []
afterEach(async () => {
  await Promise.all(
    open.splice(0).map(async ({ service, clock }) => {
      let closed = false
      const shutdown = service.shutdown(0).then(() => {
        closed = true
      })
      // On a fake clock the drain's grace timers fire only when time moves.
      while (clock && !closed) await clock.advanceAsync(100)
      await shutdown
    }),
  )
})

type OpenStore = (options: { maxTicksPerSchedule: number }) => Promise<Store>
let openDefaultStore: OpenStore = (options) => openSqlite(':memory:', options)

/**
 * The store `buildTestApp` builds apps on when no database file is given (default: in-memory
 * SQLite). The PostgreSQL runs of the engine's tests set a shared store here, so the same tests
 * cover the paths a store of several processes takes.
 */
export function useTestStore(open: OpenStore): void {
  openDefaultStore = open
  isSharedStore = true
}

let isSharedStore = false

/**
 * Whether `buildTestApp` builds on a store shared with other processes (set by useTestStore). Tests
 * that drive the service with a FakeClock skip then: its flush lets an in-process SQLite commit
 * finish, not a round trip to a database server, so a tick could still be under way after a step.
 */
export const isTestStoreShared = (): boolean => isSharedStore

/** A whole service on an in-memory SQLite store (see useTestStore), closed after each test. */
export async function buildTestApp(
  env: Record<string, string> = {},
  options: {
    db?: string
    sseHeartbeatMs?: number
    uiDir?: string
    logger?: Logger
    /** Engine and scheduler time, for tests that move it themselves (handlers' own sleeps stay real). */
    clock?: FakeClock
  } = {},
): Promise<TestApp> {
  const config: Config = loadConfig({
    JOBVISOR_DB: options.db ?? ':memory:',
    JOBVISOR_GRACE_MS: '200',
    ...env,
  })
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const storeOptions = { maxTicksPerSchedule: config.JOBVISOR_MAX_TICKS }
  const store: Store = options.db
    ? await openSqlite(options.db, storeOptions)
    : await openDefaultStore(storeOptions)
  // Added to the built-ins like a user's types (SPEC §9), not registered behind the service's back.
  const types: JobTypeSource[] = []
  const observed = registerTestTypes({
    register(type) {
      types.push(type)
      return this
    },
  })
  const service = await createService(config, logger, {
    store,
    types,
    clock: options.clock,
    sseHeartbeatMs: options.sseHeartbeatMs,
    validateResponses: true,
    uiDir: options.uiDir,
  })
  open.push({ service, clock: options.clock })
  await service.app.ready()
  return {
    service,
    app: service.app,
    engine: service.engine,
    store,
    registry: service.registry,
    observed,
    request: supertest(service.app.server),
  }
}

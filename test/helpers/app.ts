import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import supertest from 'supertest'
import { afterEach } from 'vitest'
import { type Config, loadConfig } from '../../src/config.ts'
import type { JobTypeSource } from '../../src/jobs/added-types.ts'
import type { JobEngine } from '../../src/jobs/engine.ts'
import type { JobTypeRegistry } from '../../src/jobs/registry.ts'
import { createService, type Service } from '../../src/service.ts'
import { openSqlite } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/store.ts'
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

const open: Service[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.shutdown(0)))
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
}

/** A whole service on an in-memory SQLite store (see useTestStore), closed after each test. */
export async function buildTestApp(
  env: Record<string, string> = {},
  options: { db?: string; sseHeartbeatMs?: number; uiDir?: string } = {},
): Promise<TestApp> {
  const config: Config = loadConfig({
    JOBVISOR_DB: options.db ?? ':memory:',
    JOBVISOR_GRACE_MS: '200',
    ...env,
  })
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
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
    sseHeartbeatMs: options.sseHeartbeatMs,
    validateResponses: true,
    uiDir: options.uiDir,
  })
  open.push(service)
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

import type { Logger } from 'pino'
import { DEFAULT_MAX_TICKS } from '../../model/tick.ts'
import { StoreHealth } from '../health.ts'
import type { Store } from '../store.ts'
import { PgBus } from './bus.ts'
import { PgDatabase } from './db.ts'
import { PgInstanceStore } from './instances.ts'
import { PgJobStore } from './jobs.ts'
import { migrate } from './migrate.ts'
import { PgProcessStore } from './processes.ts'
import { PgScheduleStore } from './schedules.ts'
import { PgTickStore } from './ticks.ts'

export interface PostgresStoreOptions {
  /** JOBVISOR_PG_POOL: connections in the pool. */
  poolSize: number
  /** JOBVISOR_MAX_TICKS: tick history kept per schedule (SPEC §11). */
  maxTicksPerSchedule?: number
  logger?: Logger
  /** How often the other instances are counted (see Peers); tests stretch it to see the hellos alone. */
  peerCheckMs?: number
}

/**
 * PostgreSQL for several instances (SPEC §10): one database, any number of jobvisor processes.
 * Never `exclusive`: the engine takes its general paths (reads back, waits for leases, polls as
 * a fallback), since another instance may change any row at any time.
 */
export class PostgresStore implements Store {
  readonly jobs: PgJobStore
  readonly schedules: PgScheduleStore
  readonly ticks: PgTickStore
  readonly processes: PgProcessStore
  readonly instances: PgInstanceStore
  readonly health: StoreHealth
  readonly exclusive = false
  readonly db: PgDatabase
  readonly bus: PgBus

  constructor(url: string, options: PostgresStoreOptions) {
    this.db = new PgDatabase(url, options.poolSize)
    this.health = new StoreHealth(async () => {
      await this.db.query(
        'INSERT INTO store_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at',
        [Date.now()],
      )
    })
    this.db.reportTo(this.health)
    this.jobs = new PgJobStore(this.db)
    this.ticks = new PgTickStore(this.db, options.maxTicksPerSchedule ?? DEFAULT_MAX_TICKS)
    this.schedules = new PgScheduleStore(this.db, this.ticks)
    this.processes = new PgProcessStore(this.db)
    this.instances = new PgInstanceStore(this.db)
    this.bus = new PgBus(url, this.db, options.logger, options.peerCheckMs)
  }

  async migrate(): Promise<void> {
    await migrate(this.db)
  }

  async close(): Promise<void> {
    this.health.close()
    await this.bus.close()
    await this.db.close()
  }
}

/** Connects (a first query, so a bad URL fails here) and migrates. */
export async function openPostgres(url: string, options: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(url, options)
  try {
    await store.migrate()
    await store.bus.start()
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
  return store
}

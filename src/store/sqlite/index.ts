import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../store.ts'
import { DEFAULT_MAX_TICKS } from '../tick-store.ts'
import { SqliteJobStore } from './jobs.ts'
import { migrate } from './migrate.ts'
import { SqliteScheduleStore } from './schedules.ts'
import { SqliteTickStore } from './ticks.ts'
import { WriteQueue } from './write-queue.ts'

/**
 * The embedded default: one SQLite file in WAL mode (or `:memory:`), locked exclusively so that a
 * second jobvisor process on the same file fails at start instead of double-running jobs.
 */
export class SqliteStore implements Store {
  readonly jobs: SqliteJobStore
  readonly schedules: SqliteScheduleStore
  readonly ticks: SqliteTickStore
  readonly exclusive = true
  readonly #db: Database.Database

  constructor(path: string, options: SqliteOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    // No busy wait: this process is the only user, and a second one must fail at once.
    this.#db = new Database(path, { timeout: 0 })
    this.#db.pragma('journal_mode = WAL')
    // NORMAL in WAL mode: a commit survives a process crash; only an OS crash can lose the last few.
    this.#db.pragma('synchronous = NORMAL')
    this.#db.pragma('foreign_keys = ON')
    this.#db.pragma('locking_mode = EXCLUSIVE')
    // Take the lock now: a second process must fail here, at once, not at its first write.
    try {
      this.#db.exec('BEGIN IMMEDIATE; COMMIT')
    } catch (err) {
      this.#db.close()
      throw new Error(`database ${path} is locked: another jobvisor process is using it`, { cause: err })
    }
    const writes = new WriteQueue(this.#db)
    this.jobs = new SqliteJobStore(this.#db, writes)
    this.ticks = new SqliteTickStore(this.#db, options.maxTicksPerSchedule ?? DEFAULT_MAX_TICKS)
    this.schedules = new SqliteScheduleStore(this.#db, writes, this.ticks)
  }

  async migrate(): Promise<void> {
    migrate(this.#db)
  }

  async close(): Promise<void> {
    if (!this.#db.open) return
    this.jobs.flushWrites()
    this.#db.close()
  }

  /** For benchmarks and tests that generate data straight into the database. */
  get database(): Database.Database {
    return this.#db
  }
}

export interface SqliteOptions {
  /** JOBVISOR_MAX_TICKS: tick history kept per schedule (SPEC §11). */
  maxTicksPerSchedule?: number
}

export async function openSqlite(path: string, options: SqliteOptions = {}): Promise<SqliteStore> {
  const store = new SqliteStore(path, options)
  await store.migrate()
  return store
}

import { renameSync, rmSync, statSync } from 'node:fs'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { DEFAULT_MAX_TICKS } from '../../model/tick.ts'
import { StorageUnavailableError } from '../errors.ts'
import { StoreHealth } from '../health.ts'
import type { Store } from '../store.ts'
import { openDatabase, SqliteConnection } from './connection.ts'
import { SqliteInstanceStore } from './instances.ts'
import { SqliteJobStore } from './jobs.ts'
import { migrate } from './migrate.ts'
import { SqliteProcessStore } from './processes.ts'
import { SqliteScheduleStore } from './schedules.ts'
import { SqliteTickStore } from './ticks.ts'
import { WriteQueue } from './write-queue.ts'

/** Which file a path names: a deleted or replaced database has another (or no) identity. */
interface FileId {
  dev: number
  ino: number
}

const fileId = (path: string): FileId | null => {
  const stat = statSync(path, { throwIfNoEntry: false })
  return stat ? { dev: stat.dev, ino: stat.ino } : null
}
const sameFile = (a: FileId | null, b: FileId | null) =>
  a !== null && b !== null && a.dev === b.dev && a.ino === b.ino

/** How often an idle store checks that its path still names its file (two stat calls). */
const FILE_CHECK_MS = 1000

export interface SqliteStoreOptions {
  /** Where a restored or replaced database file is reported. */
  logger?: Logger
  /** JOBVISOR_MAX_TICKS: tick history kept per schedule (SPEC §11). */
  maxTicksPerSchedule?: number
}

/**
 * The embedded default: one SQLite file in WAL mode (or `:memory:`), locked exclusively so that a
 * second jobvisor process on the same file fails at start instead of double-running jobs.
 *
 * SPEC §8 storage faults: every write goes through one write queue, whose failures feed `health`
 * (probed until writes work again). Before each commit the path must still name the open file: a
 * database deleted under the service is restored from the open connection and reopened, so
 * nothing committed is lost; one replaced by another file is left to the operator, and writes
 * are refused until the path names the original again.
 */
export class SqliteStore implements Store {
  readonly jobs: SqliteJobStore
  readonly schedules: SqliteScheduleStore
  readonly processes: SqliteProcessStore
  readonly instances: SqliteInstanceStore
  readonly health: StoreHealth
  readonly ticks: SqliteTickStore
  readonly exclusive = true
  readonly #connection: SqliteConnection
  readonly #path: string
  readonly #logger: Logger | undefined
  /** The database file and its WAL as opened; empty for `:memory:`. */
  #files: { path: string; id: FileId | null }[]
  #restoring: Promise<void> | null = null
  #watch: NodeJS.Timeout | null = null
  /** The old connection is closed but the restored file could not be opened: retried before each commit. */
  #reopenFailed = false

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.#path = path
    this.#logger = options.logger
    this.#connection = new SqliteConnection(openDatabase(path))
    this.#files = this.#identify()
    const connection = this.#connection
    const writes = new WriteQueue(connection, null, () => this.#checkFiles())
    this.health = new StoreHealth(async () => {
      await writes.enqueue(() =>
        connection.stmt('INSERT OR REPLACE INTO store_probe (id, at) VALUES (1, ?)').run(Date.now()),
      )
    })
    writes.reportTo(this.health)
    this.jobs = new SqliteJobStore(connection, writes)
    this.ticks = new SqliteTickStore(connection, options.maxTicksPerSchedule ?? DEFAULT_MAX_TICKS)
    this.schedules = new SqliteScheduleStore(connection, writes, this.ticks)
    this.processes = new SqliteProcessStore(connection, writes)
    this.instances = new SqliteInstanceStore(connection, writes)
    // An idle service must notice a deleted file too (and restore it before a crash loses it).
    if (path !== ':memory:') {
      this.#watch = setInterval(() => {
        try {
          this.#checkFiles()
        } catch (err) {
          this.health.failed(err)
        }
      }, FILE_CHECK_MS)
      this.#watch.unref()
    }
  }

  #identify(): { path: string; id: FileId | null }[] {
    if (this.#path === ':memory:') return []
    return [this.#path, `${this.#path}-wal`].map((file) => ({ path: file, id: fileId(file) }))
  }

  /**
   * Before each commit: the path must still name the file this connection writes. A database
   * deleted or replaced under the running service would otherwise take every later write with it
   * (into an unlinked inode), and the next start would find none of them.
   */
  #checkFiles(): void {
    if (this.#restoring) throw new StorageUnavailableError(`database file ${this.#path} is being restored`)
    if (this.#reopenFailed) this.#reopen()
    for (const file of this.#files) {
      const now = fileId(file.path)
      if (file.id === null) {
        file.id = now // the WAL did not exist yet at open
        continue
      }
      if (sameFile(now, file.id)) continue
      if (now === null) {
        this.#restoring = this.#restore().finally(() => {
          this.#restoring = null
        })
        throw new StorageUnavailableError(
          `database file ${file.path} was deleted while the service was running; restoring it`,
        )
      }
      throw new StorageUnavailableError(
        `database file ${file.path} was replaced by another file while the service was running; ` +
          'writes are refused until the original is back',
      )
    }
  }

  /**
   * Copies the open connection (which still sees every committed page, WAL included) to a new file
   * at the path and reopens it there. Writes are refused meanwhile; the health probe then finds
   * them working again.
   */
  async #restore(): Promise<void> {
    const tmp = `${this.#path}.restore-${process.pid}`
    const log = this.#logger
    try {
      rmSync(tmp, { force: true })
      await this.#connection.db.backup(tmp)
      const main = this.#files[0]
      const now = fileId(this.#path)
      if (now !== null && !sameFile(now, main?.id ?? null)) {
        // Someone put a file there meanwhile: it is theirs, not ours to overwrite.
        rmSync(tmp, { force: true })
        log?.error({ path: this.#path }, 'database file replaced while restoring it; writes stay refused')
        return
      }
      // Closing checkpoints into the old (unlinked) file and removes the WAL by its name: done
      // before the new file exists there, whose WAL must not be the one removed.
      this.#connection.db.close()
      rmSync(`${this.#path}-wal`, { force: true })
      rmSync(`${this.#path}-shm`, { force: true })
      renameSync(tmp, this.#path)
      this.#reopenFailed = true
      this.#reopen()
      log?.warn(
        { path: this.#path },
        'database file was deleted under the service; restored from the open connection',
      )
    } catch (err) {
      log?.error({ err, path: this.#path }, 'restoring the database file failed')
    }
  }

  /** Opens the restored file in place of the closed connection; throws (a storage fault) while it cannot. */
  #reopen(): void {
    let db: Database.Database
    try {
      db = openDatabase(this.#path)
    } catch (err) {
      // Cached statements belong to the closed connection: drop them, so every use is a clear 503.
      this.#connection.replace(this.#connection.db)
      throw new StorageUnavailableError(`database file ${this.#path} cannot be reopened`, { cause: err })
    }
    this.#connection.replace(db)
    this.#files = this.#identify()
    this.#reopenFailed = false
  }

  async migrate(): Promise<void> {
    migrate(this.#connection.db)
  }

  async close(): Promise<void> {
    if (this.#watch !== null) clearInterval(this.#watch)
    await this.#restoring
    if (!this.#connection.db.open) return
    this.health.close()
    this.jobs.flushWrites()
    this.#connection.db.close()
  }

  /** For benchmarks and tests that generate data straight into the database. */
  get database(): Database.Database {
    return this.#connection.db
  }
}

export async function openSqlite(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const store = new SqliteStore(path, options)
  await store.migrate()
  return store
}

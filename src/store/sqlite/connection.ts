import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { StorageUnavailableError } from '../errors.ts'

/** Opens `path` the way jobvisor uses SQLite: WAL, NORMAL sync, exclusive lock taken at once. */
export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  // No busy wait: this process is the only user, and a second one must fail at once.
  const db = new Database(path, { timeout: 0 })
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash can lose the last few.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('locking_mode = EXCLUSIVE')
  // Take the lock now: a second process must fail here, at once, not at its first write.
  try {
    db.exec('BEGIN IMMEDIATE; COMMIT')
  } catch (err) {
    db.close()
    throw new Error(`database ${path} is locked: another jobvisor process is using it`, { cause: err })
  }
  return db
}

/**
 * The store's SQLite connection, replaceable: when the database file is deleted under the running
 * service, the store restores it from this connection and reopens it (see SqliteStore). Statements
 * and transaction functions are therefore looked up here on each use, made once per connection.
 */
export class SqliteConnection {
  #db: Database.Database
  #statements = new Map<string, Database.Statement>()
  #generation = 0

  constructor(db: Database.Database) {
    this.#db = db
  }

  get db(): Database.Database {
    return this.#db
  }

  /** The prepared statement for `sql`, prepared once per connection. */
  stmt(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql)
    if (!stmt) {
      // Only after a restore that could not reopen the file (see SqliteStore#restore).
      if (!this.#db.open) throw new StorageUnavailableError('the database connection is closed')
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  /**
   * `db.transaction(fn)`, made once per connection: better-sqlite3 builds several wrapper functions
   * per call, ~4 KB of garbage per claim or log batch when made on the spot (bench P5). Inside
   * another transaction it runs as a savepoint; `immediate` begins with BEGIN IMMEDIATE.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R, immediate = false): (...args: A) => R {
    let made = -1
    let tx: Database.Transaction<(...args: A) => R> | undefined
    return (...args: A): R => {
      if (made !== this.#generation || tx === undefined) {
        tx = this.#db.transaction(fn)
        made = this.#generation
      }
      return immediate ? tx.immediate(...args) : tx(...args)
    }
  }

  /** Swaps in `db`; the old connection must be closed already. */
  replace(db: Database.Database): void {
    this.#db = db
    this.#statements = new Map()
    this.#generation++
  }
}

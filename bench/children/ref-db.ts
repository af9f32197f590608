/**
 * The SQLite setup the references share with jobvisor (src/store/sqlite/connection.ts): WAL,
 * synchronous=NORMAL, one exclusive connection. Each reference opens its own temp file, so its
 * commits cost what jobvisor's cost on the same disk.
 */
import Database from 'better-sqlite3'

export function openReferenceDb(path: string | undefined): Database.Database {
  if (!path) throw new Error('BENCH_DB (the reference database file) is not set')
  const db = new Database(path, { timeout: 0 })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('locking_mode = EXCLUSIVE')
  db.exec(`CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, state TEXT NOT NULL,
    created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER)`)
  return db
}

/** Runs `commit(batch)` once per event-loop turn for everything queued during that turn. */
export function perTurn<T>(commit: (batch: T[]) => void): (item: T) => void {
  let batch: T[] = []
  const flush = () => {
    const items = batch
    batch = []
    commit(items)
  }
  return (item) => {
    if (batch.length === 0) setImmediate(flush)
    batch.push(item)
  }
}

import { readdirSync, readFileSync } from 'node:fs'
import type Database from 'better-sqlite3'

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url)

/**
 * Applies numbered `NNNN_name.sql` files in order, each in its own transaction, recording the
 * version in `user_version`. Files are append-only: an applied migration is never edited.
 */
export function migrate(db: Database.Database): number {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
  const current = db.pragma('user_version', { simple: true }) as number
  for (const file of files) {
    const version = Number(file.slice(0, 4))
    if (version <= current) continue
    const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8')
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${version}`)
    })()
  }
  return db.pragma('user_version', { simple: true }) as number
}

import { readdirSync, readFileSync } from 'node:fs'
import type { PgDatabase } from './db.ts'

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url)
/** pg_advisory_lock key: "jobvisor" in ASCII, so instances starting together migrate one at a time. */
const MIGRATION_LOCK = 0x6a6f627669736f72n

/**
 * Applies numbered `NNNN_name.sql` files in order, each in its own transaction, under an advisory
 * lock: three instances started at once on an empty database all come up, one of them having
 * migrated. Applied versions are kept in `jobvisor_migrations`; files are append-only.
 */
export async function migrate(db: PgDatabase): Promise<number> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
  const client = await db.pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()])
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS jobvisor_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
      )
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM jobvisor_migrations')).rows.map(
          (r) => r.version,
        ),
      )
      for (const file of files) {
        const version = Number(file.slice(0, 4))
        if (done.has(version)) continue
        await client.query('BEGIN')
        try {
          await client.query(readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'))
          await client.query('INSERT INTO jobvisor_migrations (version, applied_at) VALUES ($1, $2)', [
            version,
            Date.now(),
          ])
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK')
          throw new Error(`migration ${file} failed`, { cause: err })
        }
      }
      return files.length === 0 ? 0 : Number(files.at(-1)?.slice(0, 4))
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()])
    }
  } finally {
    client.release()
  }
}

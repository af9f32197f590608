import type Database from 'better-sqlite3'
import type { JobRecord } from '../../model/job.ts'
import { decodeJsonText, JOB_ROW_COLUMNS, type JobRow, jobFromRow, jobFromValues } from '../rows.ts'

/** A cached prepared statement of the current connection (SqliteConnection.stmt). */
export type Stmt = (sql: string) => Database.Statement

export const fromRow = (row: JobRow): JobRecord => jobFromRow(row, decodeJsonText)

/** The job columns of `alias` in {@link JOB_ROW_COLUMNS} order: what {@link readJobs} selects. */
export const jobColumns = (alias: string): string => JOB_ROW_COLUMNS.map((c) => `${alias}.${c}`).join(', ')

/**
 * The jobs `sql` selects ({@link jobColumns} first), read as arrays: better-sqlite3 builds a row
 * object property by property from native code. A claimed row cost ~15 µs read as an object and
 * 5–7 µs as an array turned into one object literal (measured on the jobs table, bench P2).
 */
export function readJobs(stmt: Stmt, sql: string, ...params: unknown[]): JobRecord[] {
  const rows = stmt(sql)
    .raw(true)
    .all(...params) as unknown[][]
  return rows.map((values) => jobFromValues(values, decodeJsonText))
}

/**
 * One job. Also the read-back of a write in the same transaction: a separate SELECT, not
 * `RETURNING *`, which SQLite materializes in a temporary table — an update took 24 µs instead
 * of 5 µs + 7 µs for the read (measured on this table; the finish write of every job).
 */
export function getJob(stmt: Stmt, id: string): JobRecord | undefined {
  const values = stmt(`SELECT ${jobColumns('j')} FROM jobs j WHERE j.id = ?`)
    .raw(true)
    .get(id) as unknown[] | undefined
  return values && jobFromValues(values, decodeJsonText)
}

/** See JobStore.transitionKnown. */
export function cancelAndProgress(
  stmt: Stmt,
  id: string,
): Pick<JobRecord, 'cancel' | 'progress'> | undefined {
  const row = stmt('SELECT cancel, progress FROM jobs WHERE id = ?').get(id) as
    | Pick<JobRow, 'cancel' | 'progress'>
    | undefined
  return (
    row && {
      cancel: decodeJsonText(row.cancel) as JobRecord['cancel'],
      progress: decodeJsonText(row.progress) as JobRecord['progress'],
    }
  )
}

export function getJobs(stmt: Stmt, ids: readonly string[]): JobRecord[] {
  const sql = `SELECT ${jobColumns('j')} FROM jobs j WHERE j.id IN (SELECT value FROM json_each(?))`
  return readJobs(stmt, sql, JSON.stringify(ids))
}

export function nextDueAt(stmt: Stmt): number | null {
  const row = stmt(
    "SELECT MIN(run_at) AS t FROM jobs INDEXED BY jobs_delayed WHERE state = 'scheduled'",
  ).get()
  return (row as { t: number | null }).t
}

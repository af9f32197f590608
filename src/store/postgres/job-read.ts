import type { JobRecord } from '../../model/job.ts'
import { decodeJsonValue, JOB_ROW_COLUMNS, type JobRow, jobFromRow } from '../rows.ts'
import type { Queryable } from './db.ts'

export const fromRow = (row: JobRow): JobRecord => jobFromRow(row, decodeJsonValue)

/**
 * A JobRow's columns of `alias`, for the RETURNING of a named (prepared) statement: its plan keeps
 * its result type, and with `*` a later migration that adds a column would make every run of it
 * fail on connections of instances still on the old version (a rolling upgrade).
 */
export const rowColumns = (alias: string): string => JOB_ROW_COLUMNS.map((c) => `${alias}.${c}`).join(', ')

export async function getJob(db: Queryable, id: string): Promise<JobRecord | undefined> {
  const [row] = await db.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id])
  return row && fromRow(row)
}

export async function getJobs(db: Queryable, ids: readonly string[]): Promise<JobRecord[]> {
  return (await db.query<JobRow>('SELECT * FROM jobs WHERE id = ANY($1::text[])', [ids])).map(fromRow)
}

export async function nextDueAt(db: Queryable): Promise<number | null> {
  const [row] = await db.query<{ t: number | null }>(
    "SELECT min(run_at) AS t FROM jobs WHERE state = 'scheduled'",
  )
  return row?.t ?? null
}

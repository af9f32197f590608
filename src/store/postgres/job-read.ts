import type { JobRecord } from '../../model/job.ts'
import { decodeJsonValue, type JobRow, jobFromRow } from '../rows.ts'
import type { Queryable } from './db.ts'

export const fromRow = (row: JobRow): JobRecord => jobFromRow(row, decodeJsonValue)

const ROW_COLUMNS: Record<keyof JobRow, true> = {
  id: true,
  type: true,
  params: true,
  state: true,
  priority: true,
  timeout_ms: true,
  run_at: true,
  retry: true,
  attempt: true,
  labels: true,
  schedule_id: true,
  due_at: true,
  progress: true,
  result: true,
  error: true,
  cancel: true,
  created_at: true,
  started_at: true,
  finished_at: true,
  updated_at: true,
  instance: true,
  owner: true,
  lease_until: true,
}

/**
 * A JobRow's columns of `alias`, for the RETURNING of a named (prepared) statement: its plan keeps
 * its result type, and with `*` a later migration that adds a column would make every run of it
 * fail on connections of instances still on the old version (a rolling upgrade).
 */
export const rowColumns = (alias: string): string =>
  Object.keys(ROW_COLUMNS)
    .map((c) => `${alias}.${c}`)
    .join(', ')

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

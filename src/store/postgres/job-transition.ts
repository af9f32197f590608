import type { JobState } from '../../jobs/state.ts'
import { type JobRow, patchColumns } from '../rows.ts'
import type { JobPatch, JobRecord } from '../store.ts'
import type { Queryable } from './db.ts'
import { fromRow } from './job-read.ts'

/** `UPDATE … WHERE id AND state = ANY(from) [AND owner]`: the compare-and-set of every transition. */
function transitionSql(
  id: string,
  from: readonly JobState[],
  patch: JobPatch,
  owner: string | undefined,
  returning: string,
): { sql: string; params: unknown[] } {
  const { columns, values } = patchColumns(patch)
  if (patch.state === 'queued') {
    columns.push('ready_at')
    values.push(patch.updatedAt)
  } else if (patch.state === 'scheduled') {
    columns.push('ready_at')
    values.push(patch.runAt ?? patch.updatedAt)
  }
  const params = [...values, id, from]
  const set = columns.map((c, i) => `${c} = $${i + 1}`).join(', ')
  let where = `id = $${values.length + 1} AND state = ANY($${values.length + 2}::text[])`
  if (owner !== undefined) {
    params.push(owner)
    where += ` AND owner = $${params.length}`
  }
  return { sql: `UPDATE jobs SET ${set} WHERE ${where} RETURNING ${returning}`, params }
}

export async function transitionJob(
  db: Queryable,
  id: string,
  from: readonly JobState[],
  patch: JobPatch,
  owner?: string,
): Promise<JobRecord | undefined> {
  const { sql, params } = transitionSql(id, from, patch, owner, '*')
  const [row] = await db.query<JobRow>(sql, params)
  return row && fromRow(row)
}

export async function transitionJobWithoutRead(
  db: Queryable,
  id: string,
  from: readonly JobState[],
  patch: JobPatch,
  owner?: string,
): Promise<boolean> {
  const { sql, params } = transitionSql(id, from, patch, owner, 'id')
  return (await db.query(sql, params)).length > 0
}

export async function setJobProgress(
  db: Queryable,
  id: string,
  progress: { percent: number; message?: string },
  now: number,
): Promise<JobRecord | undefined> {
  const [row] = await db.query<JobRow>(
    `UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3 AND state IN ('running', 'cancelling')
     RETURNING *`,
    [JSON.stringify(progress), now, id],
  )
  return row && fromRow(row)
}

import type { JobRecord } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import type { JobRow } from '../rows.ts'
import type { JobQuery } from '../store.ts'
import type { Queryable } from './db.ts'
import { fromRow } from './job-read.ts'

/**
 * Newest first by id with every filter as a plain predicate: labels as jsonb containment (GIN
 * index), states as `= ANY`. PostgreSQL's planner, with its statistics, picks between walking
 * the primary key backwards and a bitmap over a rare filter — the choice the SQLite adapter makes
 * by hand.
 */
export async function listJobs(db: Queryable, query: JobQuery): Promise<JobRecord[]> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value)
    where.push(sql(`$${params.length}`))
  }
  const states = [...new Set<JobState>(query.states ?? [])]
  if (states.length === 1) add((p) => `state = ${p}`, states[0])
  else if (states.length > 1) add((p) => `state = ANY(${p}::text[])`, states)
  if (query.type !== undefined) add((p) => `type = ${p}`, query.type)
  if (query.scheduleId !== undefined) add((p) => `schedule_id = ${p}`, query.scheduleId)
  const labels = Object.entries(query.labels ?? {})
  if (labels.length > 0) add((p) => `labels @> ${p}::jsonb`, JSON.stringify(Object.fromEntries(labels)))
  if (query.beforeId !== undefined) add((p) => `id < ${p}`, query.beforeId)
  params.push(query.limit)
  const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY id DESC LIMIT $${params.length}`
  return (await db.query<JobRow>(sql, params)).map(fromRow)
}

import type { JobRecord } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import type { JobRow } from '../rows.ts'
import type { JobQuery } from '../store.ts'
import type { Queryable } from './db.ts'
import { fromRow } from './job-read.ts'

/**
 * Newest first by id with every filter as a plain predicate, states as `= ANY`. With a label
 * filter, the first label's rows in job_labels drive the walk, newest first by their own index
 * (key, value, job_id), and any further labels are semi-joins: a rare label's deep page reads its
 * own jobs only, a common one stops at the page's end. Without one, the planner picks between
 * walking the primary key backwards and an index of a rare filter, with its statistics.
 */
export async function listJobs(db: Queryable, query: JobQuery): Promise<JobRecord[]> {
  const where: string[] = []
  const params: unknown[] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const add = (sql: (p: string) => string, value: unknown) => where.push(sql(param(value)))
  const states = [...new Set<JobState>(query.states ?? [])]
  if (states.length === 1) add((p) => `j.state = ${p}`, states[0])
  else if (states.length > 1) add((p) => `j.state = ANY(${p}::text[])`, states)
  if (query.type !== undefined) add((p) => `j.type = ${p}`, query.type)
  if (query.scheduleId !== undefined) add((p) => `j.schedule_id = ${p}`, query.scheduleId)
  const [first, ...more] = Object.entries(query.labels ?? {})
  // The cursor goes on every side of every label join: the planner does not carry an inequality
  // across `j.id = l.job_id`, and a merge join would walk from the newest job down to the cursor
  // (~120 ms for a label on a fifth of a million jobs, a page from the middle).
  const before = query.beforeId === undefined ? null : param(query.beforeId)
  const below = (column: string) => (before === null ? '' : ` AND ${column} < ${before}`)
  for (const [key, value] of more) {
    where.push(
      `EXISTS (SELECT 1 FROM job_labels x WHERE x.key = ${param(key)} AND x.value = ${param(value)} AND x.job_id = j.id${below('x.job_id')})`,
    )
  }
  let from = 'jobs j'
  let id = 'j.id'
  if (first !== undefined) {
    from = 'job_labels l JOIN jobs j ON j.id = l.job_id'
    id = 'l.job_id'
    where.push(`l.key = ${param(first[0])} AND l.value = ${param(first[1])}`)
  }
  if (before !== null) where.push(`j.id < ${before}${first === undefined ? '' : below('l.job_id')}`)
  const sql = `SELECT j.* FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${id} DESC LIMIT ${param(query.limit)}`
  return (await db.query<JobRow>(sql, params)).map(fromRow)
}

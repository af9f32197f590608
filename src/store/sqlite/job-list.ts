import type { JobRecord } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import type { JobQuery } from '../store.ts'
import { jobColumns, readJobs, type Stmt } from './job-read.ts'

/** Rows a list probe counts at most in one candidate range (see `labelDriver`). */
const LIST_PROBE_CAP = 5000

/** A list query with its states deduplicated and its labels as entries. */
interface ListQuery extends Omit<JobQuery, 'states' | 'labels'> {
  states: JobState[]
  labels: [string, string][]
}

/**
 * The cursor, type, schedule and label filters of a list, against the job id column `id`; the
 * label at index `skip` is left out (it drives the walk).
 */
function listFilters(query: ListQuery, id: string, skip?: number): { where: string[]; args: unknown[] } {
  const where: string[] = []
  const args: unknown[] = []
  if (query.beforeId !== undefined) {
    where.push(`${id} < ?`)
    args.push(query.beforeId)
  }
  if (query.type !== undefined) {
    where.push('j.type = ?')
    args.push(query.type)
  }
  if (query.scheduleId !== undefined) {
    where.push('j.schedule_id = ?')
    args.push(query.scheduleId)
  }
  query.labels.forEach(([key, value], i) => {
    if (i === skip) return
    where.push(`EXISTS (SELECT 1 FROM job_labels x WHERE x.key = ? AND x.value = ? AND x.job_id = ${id})`)
    args.push(key, value)
  })
  return { where, args }
}

export function listJobs(stmt: Stmt, query: JobQuery): JobRecord[] {
  // A repeated state would repeat its UNION ALL part, and so its rows.
  const q = {
    ...query,
    states: [...new Set(query.states ?? [])],
    labels: Object.entries(query.labels ?? {}),
  }
  const driver = labelDriver(stmt, q)
  return driver === undefined ? listByJobs(stmt, q) : listByLabel(stmt, q, driver)
}

/** Walks jobs newest first (by id or by a state/type/schedule index); labels are EXISTS checks. */
function listByJobs(stmt: Stmt, query: ListQuery): JobRecord[] {
  const { where, args } = listFilters(query, 'j.id')
  const rest = where.length ? ` AND ${where.join(' AND ')}` : ''
  const states = query.states
  if (states.length <= 1) {
    const stateClause = states.length === 1 ? 'j.state = ?' : '1'
    const sql = `SELECT ${jobColumns('j')} FROM jobs j WHERE ${stateClause}${rest} ORDER BY j.id DESC LIMIT ?`
    return readJobs(stmt, sql, ...states, ...args, query.limit)
  }
  // One index range per state, merged: an IN list would make SQLite sort every matching row.
  const parts = states.map(
    () =>
      `SELECT * FROM (SELECT ${jobColumns('j')} FROM jobs j WHERE j.state = ?${rest} ORDER BY j.id DESC LIMIT ?)`,
  )
  const sql = `${parts.join(' UNION ALL ')} ORDER BY id DESC LIMIT ?`
  const all = states.flatMap((state) => [state, ...args, query.limit])
  return readJobs(stmt, sql, ...all, query.limit)
}

/**
 * Walks one label's (key, value, job_id) primary-key range newest first and joins each job by id:
 * only jobs carrying that label are visited, already in id order (no sort, so states can be a
 * plain IN list here). CROSS JOIN keeps job_labels the outer loop whatever the planner guesses.
 */
function listByLabel(stmt: Stmt, query: ListQuery, driver: number): JobRecord[] {
  const [key, value] = query.labels[driver] as [string, string]
  const { where, args } = listFilters(query, 'l.job_id', driver)
  if (query.states.length > 0) where.push(`j.state IN (${query.states.map(() => '?').join(', ')})`)
  const sql = `SELECT ${jobColumns('j')} FROM job_labels l CROSS JOIN jobs j ON j.id = l.job_id
    WHERE l.key = ? AND l.value = ? AND ${where.join(' AND ') || '1'} ORDER BY l.job_id DESC LIMIT ?`
  return readJobs(stmt, sql, key, value, ...args, ...query.states, query.limit)
}

/**
 * Which label to drive the list from (index into `query.labels`), or undefined to walk jobs.
 * A walk costs about the rows of its driving range it visits, at most all of them (a filter that
 * matches nothing). Without labels' or states' statistics (the service never ANALYZEs), count each
 * candidate range below the cursor, capped at LIST_PROBE_CAP (index-only, ~0.05 ms per 1000):
 * - labels only: the rarest label. Its rows are a subset of the jobs walk, in the same order, so
 *   it never visits more rows than walking jobs would.
 * - labels with state/type/schedule filters: the rarest label if it has fewer than the cap rows
 *   and no jobs-side filter has fewer (so the walk is bounded by the cap). A common label with a
 *   rare state (env:prod, state=running) must walk the state index: driven from the label it
 *   would visit ~all of the label's jobs (~0.3 s on P7's 1M history). When every candidate has
 *   more than the cap, the jobs walk is kept (the plan before labels could drive).
 */
function labelDriver(stmt: Stmt, query: ListQuery): number | undefined {
  const { labels, states, beforeId } = query
  if (labels.length === 0) return undefined
  const jobRanges: [string, unknown[]][] = []
  if (states.length > 0) jobRanges.push([`state IN (${states.map(() => '?').join(', ')})`, states])
  if (query.type !== undefined) jobRanges.push(['type = ?', [query.type]])
  if (query.scheduleId !== undefined) jobRanges.push(['schedule_id = ?', [query.scheduleId]])
  if (labels.length === 1 && jobRanges.length === 0) return 0
  const below = (id: string) => (beforeId === undefined ? '' : ` AND ${id} < ?`)
  const count = (range: string, args: unknown[], cap: number): number => {
    const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM ${range} LIMIT ?)`
    const cursor = beforeId === undefined ? [] : [beforeId]
    return (stmt(sql).get(...args, ...cursor, cap) as { n: number }).n
  }
  let driver = 0
  let fewest = Number.POSITIVE_INFINITY
  labels.forEach(([key, value], i) => {
    const n = count(`job_labels WHERE key = ? AND value = ?${below('job_id')}`, [key, value], LIST_PROBE_CAP)
    if (n < fewest) [driver, fewest] = [i, n]
  })
  if (jobRanges.length === 0) return driver
  if (fewest >= LIST_PROBE_CAP) return undefined
  const labelIsRarest = jobRanges.every(
    ([where, args]) => count(`jobs WHERE ${where}${below('id')}`, args, fewest) >= fewest,
  )
  return labelIsRarest ? driver : undefined
}

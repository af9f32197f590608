import { type JobRecord, jobWith } from '../../model/job.ts'
import type { JobRow } from '../rows.ts'
import type { ClaimOptions } from '../store.ts'
import { fromRow, jobColumns, readJobs, type Stmt } from './job-read.ts'

/** Moves due `scheduled` jobs to `queued`, earliest first (see JobStore.promoteDue). */
export function promoteDueNow(stmt: Stmt, now: number, limit: number): JobRecord[] {
  const rows = stmt(
    `UPDATE jobs SET state = 'queued', updated_at = ?, ready_at = run_at
     WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_delayed WHERE state = 'scheduled' AND run_at <= ? ORDER BY run_at LIMIT ?)
     RETURNING *`,
  ).all(now, now, limit) as JobRow[]
  return rows.map(fromRow)
}

/**
 * The types a claim skips, one placeholder each (a statement per count, cached): as
 * `NOT IN (SELECT value FROM json_each(?))` the list cost 30–60 µs per claim, an ephemeral table
 * and a bloom filter built each time, which a claim of one job (a limited type) paid per job.
 */
const notOfTypes = (count: number): string =>
  count === 0 ? '' : ` AND j.type NOT IN (${Array.from({ length: count }, () => '?').join(', ')})`

/**
 * See JobStore.claim; runs inside one transaction, so every chosen job is still queued when it is
 * updated. Whole rows are read, so nothing is read back after the update.
 */
export function claimNow(stmt: Stmt, owner: string, now: number, options: ClaimOptions): JobRecord[] {
  const exclude = options.excludeTypes
  const limited = Object.keys(options.typeRoom).length > 0
  const queued = `FROM jobs j INDEXED BY jobs_queue WHERE j.state = 'queued'${notOfTypes(exclude.length)}
    ORDER BY j.priority DESC, j.ready_at, j.id LIMIT ?`
  let jobs: JobRecord[]
  if (!limited) {
    jobs = readJobs(stmt, `SELECT ${jobColumns('j')} ${queued}`, ...exclude, options.limit)
  } else {
    // With per-type limits, read a little past `limit` so that room can skip a few jobs of a type
    // that fills up — ids and types only: reading (and decoding) whole rows that room then skips
    // cost ~1 ms per claim of one job behind a long run of a limited type (bench P9).
    const candidates = stmt(`SELECT j.id, j.type ${queued}`).all(...exclude, options.limit * 2) as {
      id: string
      type: string
    }[]
    const room = { ...options.typeRoom }
    const chosen: string[] = []
    for (const c of candidates) {
      if (chosen.length >= options.limit) break
      const left = room[c.type]
      if (left !== undefined) {
        if (left <= 0) continue
        room[c.type] = left - 1
      }
      chosen.push(c.id)
    }
    if (chosen.length === 0) return []
    // Whole rows of the chosen only, read before the update, so nothing is read back after it.
    jobs = readJobs(
      stmt,
      `SELECT ${jobColumns('j')} FROM json_each(?) AS c CROSS JOIN jobs j ON j.id = c.value ORDER BY c.key`,
      JSON.stringify(chosen),
    )
  }
  if (jobs.length === 0) return []
  stmt(
    `UPDATE jobs SET state = 'running', owner = ?, instance = ?, lease_until = ?, started_at = ?, updated_at = ?
       WHERE id IN (SELECT value FROM json_each(?)) AND state = 'queued'`,
  ).run(owner, options.instance, options.leaseUntil, now, now, JSON.stringify(jobs.map((j) => j.id)))
  return jobs.map((job) =>
    jobWith(job, {
      state: 'running',
      owner,
      instance: options.instance,
      leaseUntil: options.leaseUntil,
      startedAt: now,
      updatedAt: now,
    }),
  )
}

import { JobState, TERMINAL_STATES } from '../../model/job-state.ts'
import type { Stmt } from './job-read.ts'

const TERMINAL_SQL = TERMINAL_STATES.map((s) => `'${s}'`).join(',')

/** Deletes a terminal job (its logs and labels cascade); 'active' when it is not terminal. */
export function deleteJobNow(stmt: Stmt, id: string): 'deleted' | 'not_found' | 'active' {
  const info = stmt(`DELETE FROM jobs WHERE id = ? AND state IN (${TERMINAL_SQL})`).run(id)
  if (info.changes > 0) return 'deleted'
  return stmt('SELECT 1 FROM jobs WHERE id = ?').get(id) ? 'active' : 'not_found'
}

export function deleteFinishedNow(stmt: Stmt, before: number, limit: number): number {
  return stmt(
    `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_finished WHERE finished_at IS NOT NULL
       AND finished_at < ? AND state IN (${TERMINAL_SQL}) LIMIT ?)`,
  ).run(before, limit).changes
}

export function countJobsByState(stmt: Stmt): Record<JobState, number> {
  const counts = Object.fromEntries(JobState.options.map((s) => [s, 0])) as Record<JobState, number>
  const rows = stmt('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
    state: JobState
    n: number
  }[]
  for (const { state, n } of rows) counts[state] = n
  return counts
}

export function countWaitingJobs(stmt: Stmt): number {
  return (
    stmt("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('scheduled', 'queued')").get() as { n: number }
  ).n
}

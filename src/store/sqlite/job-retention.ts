import { type JobState, TERMINAL_STATES } from '../../model/job-state.ts'
import type { TerminalCounts } from './job-counts.ts'
import type { Stmt } from './job-read.ts'

const TERMINAL_SQL = TERMINAL_STATES.map((s) => `'${s}'`).join(',')

/** Deletes a terminal job (its logs and labels cascade); 'active' when it is not terminal. */
export function deleteJobNow(
  stmt: Stmt,
  counts: TerminalCounts,
  id: string,
): 'deleted' | 'not_found' | 'active' {
  const deleted = stmt(`DELETE FROM jobs WHERE id = ? AND state IN (${TERMINAL_SQL}) RETURNING state`).get(
    id,
  ) as { state: JobState } | undefined
  if (deleted) {
    counts.add(deleted.state, -1)
    return 'deleted'
  }
  return stmt('SELECT 1 FROM jobs WHERE id = ?').get(id) ? 'active' : 'not_found'
}

export function deleteFinishedNow(stmt: Stmt, counts: TerminalCounts, before: number, limit: number): number {
  const deleted = stmt(
    `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_finished WHERE finished_at IS NOT NULL
       AND finished_at < ? AND state IN (${TERMINAL_SQL}) LIMIT ?) RETURNING state`,
  )
    .raw(true)
    .all(before, limit) as [JobState][]
  for (const [state] of deleted) counts.add(state, -1)
  return deleted.length
}

export function countWaitingJobs(stmt: Stmt): number {
  return (
    stmt("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('scheduled', 'queued')").get() as { n: number }
  ).n
}

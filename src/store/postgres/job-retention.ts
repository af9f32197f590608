import { JobState, TERMINAL_STATES } from '../../model/job-state.ts'
import type { Queryable } from './db.ts'

export async function deleteJob(db: Queryable, id: string): Promise<'deleted' | 'not_found' | 'active'> {
  const deleted = await db.query('DELETE FROM jobs WHERE id = $1 AND state = ANY($2::text[]) RETURNING id', [
    id,
    TERMINAL_STATES,
  ])
  if (deleted.length > 0) return 'deleted'
  return (await db.query('SELECT 1 FROM jobs WHERE id = $1', [id])).length > 0 ? 'active' : 'not_found'
}

// $1 finished before, $2 terminal states, $3 batch size. The batch goes in as an array, as in the
// claim: as a semi-join the planner hashed it against a scan of every job.
export const DELETE_FINISHED = `WITH gone AS (
    DELETE FROM jobs WHERE id = ANY(ARRAY(SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < $1
      AND state = ANY($2::text[]) LIMIT $3 FOR UPDATE SKIP LOCKED)) RETURNING 1)
  SELECT count(*) AS n FROM gone`

export async function deleteFinishedJobs(db: Queryable, before: number, limit: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(DELETE_FINISHED, [before, TERMINAL_STATES, limit])
  return row?.n ?? 0
}

export async function countJobsByState(db: Queryable): Promise<Record<JobState, number>> {
  const counts = Object.fromEntries(JobState.options.map((s) => [s, 0])) as Record<JobState, number>
  for (const { state, n } of await db.query<{ state: JobState; n: number }>(
    'SELECT state, count(*) AS n FROM jobs GROUP BY state',
  )) {
    counts[state] = n
  }
  return counts
}

export async function countWaitingJobs(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM jobs WHERE state IN ('scheduled', 'queued')",
  )
  return row?.n ?? 0
}

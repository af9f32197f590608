import { INTERRUPTED_ERROR, type JobRecord } from '../../model/job.ts'
import type { JobRow } from '../rows.ts'
import type { Queryable } from './db.ts'
import { fromRow } from './job-read.ts'

// $1 lease_until, $2 owner, $3 the ids it executes: renews those, returns the ones now cancelling
// (moved there by another instance), so their handlers here can be told.
const HEARTBEAT = `WITH renewed AS (
    UPDATE jobs SET lease_until = $1 WHERE owner = $2 AND state IN ('running', 'cancelling')
      AND id = ANY($3::text[]) RETURNING *)
  SELECT * FROM renewed WHERE state = 'cancelling'`

export async function heartbeatJobs(
  db: Queryable,
  owner: string,
  ids: readonly string[],
  leaseUntil: number,
): Promise<JobRecord[]> {
  return (await db.query<JobRow>(HEARTBEAT, [leaseUntil, owner, ids])).map(fromRow)
}

export async function ownedJobs(db: Queryable, owner: string): Promise<JobRecord[]> {
  const rows = await db.query<JobRow>(
    "SELECT * FROM jobs WHERE owner = $1 AND state IN ('running', 'cancelling') ORDER BY id",
    [owner],
  )
  return rows.map(fromRow)
}

// $1 owner (this instance), $2 stale before, $3 now, $4 the interrupted error. SPEC §3 Interrupted
// work, in SQL: cancelling → cancelled; attempts left → queued with the next attempt; else failed.
// Every expression reads the row as it was, before this update. SKIP LOCKED: two instances
// recovering at once never both take a run. Rows of $1 itself count once their lease ran out: it
// renews what it runs, so those are claims whose answer it never got.
const RECOVER = `UPDATE jobs j SET
    state = CASE WHEN j.state = 'cancelling' THEN 'cancelled'
                 WHEN j.attempt < (j.retry->>'maxAttempts')::int THEN 'queued' ELSE 'failed' END,
    attempt = CASE WHEN j.state <> 'cancelling' AND j.attempt < (j.retry->>'maxAttempts')::int
                   THEN j.attempt + 1 ELSE j.attempt END,
    error = CASE WHEN j.state = 'cancelling' THEN NULL ELSE $4::jsonb END,
    cancel = CASE WHEN j.cancel IS NULL THEN NULL ELSE j.cancel || '{"forced": true}'::jsonb END,
    finished_at = CASE WHEN j.state <> 'cancelling' AND j.attempt < (j.retry->>'maxAttempts')::int
                       THEN NULL ELSE $3::bigint END,
    owner = NULL, lease_until = NULL, ready_at = $3::bigint, updated_at = $3::bigint
  FROM (SELECT id FROM jobs WHERE state IN ('running', 'cancelling')
          AND (lease_until IS NULL OR lease_until < CASE WHEN owner = $1 THEN $3::bigint ELSE $2::bigint END)
        FOR UPDATE SKIP LOCKED) s
  WHERE j.id = s.id
  RETURNING j.*`

const INTERRUPTED = JSON.stringify(INTERRUPTED_ERROR)

export async function recoverInterruptedJobs(
  db: Queryable,
  owner: string,
  staleBefore: number,
  now: number,
): Promise<JobRecord[]> {
  return (await db.query<JobRow>(RECOVER, [owner, staleBefore, now, INTERRUPTED])).map(fromRow)
}

import { interruptedOutcome, type JobRecord } from '../../model/job.ts'
import type { JobRow } from '../rows.ts'
import { fromRow, type Stmt } from './job-read.ts'

/** Renews the leases of the runs `owner` executes; returns those another actor moved to `cancelling`. */
export function heartbeatNow(
  stmt: Stmt,
  owner: string,
  ids: readonly string[],
  leaseUntil: number,
): JobRecord[] {
  const list = JSON.stringify(ids)
  stmt(
    `UPDATE jobs SET lease_until = ? WHERE owner = ? AND state IN ('running', 'cancelling')
       AND id IN (SELECT value FROM json_each(?))`,
  ).run(leaseUntil, owner, list)
  const rows = stmt(
    "SELECT * FROM jobs WHERE owner = ? AND state = 'cancelling' AND id IN (SELECT value FROM json_each(?))",
  ).all(owner, list) as JobRow[]
  return rows.map(fromRow)
}

export function ownedJobs(stmt: Stmt, owner: string): JobRecord[] {
  const rows = stmt("SELECT * FROM jobs WHERE owner = ? AND state IN ('running', 'cancelling')").all(owner)
  return (rows as JobRow[]).map(fromRow)
}

/** See JobStore.recoverInterrupted: another owner's runs once stale; this owner's once their lease ran out. */
export function recoverInterruptedNow(
  stmt: Stmt,
  owner: string,
  staleBefore: number,
  now: number,
): JobRecord[] {
  const stale = stmt(
    `SELECT * FROM jobs WHERE state IN ('running', 'cancelling')
       AND (lease_until IS NULL OR lease_until < CASE WHEN owner = ? THEN ? ELSE ? END)`,
  ).all(owner, now, staleBefore) as JobRow[]
  const update = stmt(
    `UPDATE jobs SET state = ?, attempt = ?, error = ?, cancel = ?, finished_at = ?, owner = NULL,
         lease_until = NULL, ready_at = ?, updated_at = ? WHERE id = ? RETURNING *`,
  )
  return stale.map((row) => {
    const job = fromRow(row)
    const outcome = interruptedOutcome(job)
    const updated = update.get(
      outcome.state,
      outcome.attempt,
      outcome.error && JSON.stringify(outcome.error),
      job.cancel ? JSON.stringify({ ...job.cancel, forced: true }) : null,
      outcome.state === 'queued' ? null : now,
      now,
      now,
      job.id,
    ) as JobRow
    return fromRow(updated)
  })
}

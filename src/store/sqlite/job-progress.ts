import type { JobRecord } from '../../model/job.ts'
import { getJob, type Stmt } from './job-read.ts'

/** Sets progress of an executing job; no state change, so no compare-and-set beyond that. */
export function setProgressNow(
  stmt: Stmt,
  id: string,
  progress: { percent: number; message?: string },
  now: number,
): JobRecord | undefined {
  const { changes } = stmt(
    "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND state IN ('running', 'cancelling')",
  ).run(JSON.stringify(progress), now, id)
  return changes > 0 ? getJob(stmt, id) : undefined
}

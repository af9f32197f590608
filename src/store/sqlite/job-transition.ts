import type { JobPatch } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import { patchColumns } from '../rows.ts'
import type { Stmt } from './job-read.ts'

/**
 * One compare-and-set: applies `patch` only if the job is still in one of `from` (and owned by
 * `owner` when given); true if it applied. better-sqlite3 is synchronous, so no other writer of
 * this process can interleave, and the exclusive lock keeps other processes out.
 */
export function transitionNow(
  stmt: Stmt,
  id: string,
  from: readonly JobState[],
  patch: JobPatch,
  owner?: string,
): boolean {
  const { columns, values } = patchColumns(patch)
  // ready_at orders the queue: a re-queued job joins at the back, a retry when its backoff ends.
  if (patch.state === 'queued') {
    columns.push('ready_at')
    values.push(patch.updatedAt)
  } else if (patch.state === 'scheduled') {
    columns.push('ready_at')
    values.push(patch.runAt ?? patch.updatedAt)
  }
  const ownerClause = owner === undefined ? '' : ' AND owner = ?'
  // Placeholders per state (not json_each): the statement shape stays cacheable and the planner
  // sees a plain IN list.
  const sql = `UPDATE jobs SET ${columns.map((c) => `${c} = ?`).join(', ')}
    WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})${ownerClause}`
  const args = [...values, id, ...from]
  if (owner !== undefined) args.push(owner)
  return stmt(sql).run(...args).changes > 0
}

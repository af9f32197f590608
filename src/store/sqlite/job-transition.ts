import type { JobPatch } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import { PATCH_SHAPE_BITS, patchShape, shapeColumns } from '../rows.ts'
import type { Stmt } from './job-read.ts'

/**
 * A statement's shape, as one number: the patch's fields in the low bits, then ready_at, then how
 * many `from` states (five bits: there are fewer than 32 states), then whether the owner is checked.
 */
const READY_AT_BIT = 1 << PATCH_SHAPE_BITS
const FROM_SHIFT = PATCH_SHAPE_BITS + 1
const OWNER_BIT = 1 << (FROM_SHIFT + 5)

/** The statement text per shape, built once: building and hashing it per write cost ~1.5 µs (bench P2). */
const statements = new Map<number, string>()

function transitionSql(shape: number): string {
  let sql = statements.get(shape)
  if (sql === undefined) {
    const columns = shapeColumns(shape & (READY_AT_BIT - 1))
    if ((shape & READY_AT_BIT) !== 0) columns.push('ready_at')
    const from = (shape >> FROM_SHIFT) & 0x1f
    // Placeholders per state (not json_each): the statement shape stays cacheable and the planner
    // sees a plain IN list.
    sql = `UPDATE jobs SET ${columns.map((c) => `${c} = ?`).join(', ')}
    WHERE id = ? AND state IN (${Array.from({ length: from }, () => '?').join(', ')})${(shape & OWNER_BIT) !== 0 ? ' AND owner = ?' : ''}`
    statements.set(shape, sql)
  }
  return sql
}

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
  const { mask, values: args } = patchShape(patch)
  let shape = mask | (from.length << FROM_SHIFT)
  // ready_at orders the queue: a re-queued job joins at the back, a retry when its backoff ends.
  if (patch.state === 'queued' || patch.state === 'scheduled') {
    shape |= READY_AT_BIT
    args.push(patch.state === 'queued' ? patch.updatedAt : (patch.runAt ?? patch.updatedAt))
  }
  args.push(id)
  for (const state of from) args.push(state)
  if (owner !== undefined) {
    shape |= OWNER_BIT
    args.push(owner)
  }
  return stmt(transitionSql(shape)).run(...args).changes > 0
}

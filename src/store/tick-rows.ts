import type { TickOutcome, TickRecord } from '../model/tick.ts'

/** A `schedule_ticks` row as both SQL adapters return it. */
export interface TickRow {
  schedule_id: string
  seq: number
  due_at: number
  outcome: string
  reason: string | null
  job_id: string | null
  recorded_at: number
}

export const tickFromRow = (row: TickRow): TickRecord => ({
  scheduleId: row.schedule_id,
  seq: row.seq,
  dueAt: row.due_at,
  outcome: row.outcome as TickOutcome,
  reason: row.reason,
  jobId: row.job_id,
  recordedAt: row.recorded_at,
})

import type { NewTick, TickRecord } from '../../model/tick.ts'
import { type TickRow, tickFromRow } from '../tick-rows.ts'
import type { TickQuery, TickStore } from '../tick-store.ts'
import type { PgDatabase, Queryable } from './db.ts'

// $1 schedule id, $2..$5 the ticks' due times, outcomes, reasons and job ids (in order), $6 when
// recorded. seq continues the schedule's own count; the schedule row is locked by the update in
// the same transaction, so two writers never take the same seq.
const RECORD = `INSERT INTO schedule_ticks (schedule_id, seq, due_at, outcome, reason, job_id, recorded_at)
  SELECT $1, (SELECT coalesce(max(seq), 0) FROM schedule_ticks WHERE schedule_id = $1) + t.n, t.due_at,
    t.outcome, t.reason, t.job_id, $6
  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(due_at, outcome, reason, job_id, n)
  RETURNING seq`

/** Tick history in PostgreSQL; {@link record} runs inside the schedule write's transaction. */
export class PgTickStore implements TickStore {
  readonly #db: PgDatabase
  readonly #maxPerSchedule: number

  constructor(db: PgDatabase, maxPerSchedule: number) {
    this.#db = db
    this.#maxPerSchedule = maxPerSchedule
  }

  /** Appends `ticks` to a schedule's history and drops all but the newest N, on `tx`. */
  async record(
    tx: Queryable,
    scheduleId: string,
    ticks: readonly NewTick[],
    recordedAt: number,
  ): Promise<void> {
    if (ticks.length === 0) return
    const rows = await tx.query<{ seq: number }>(RECORD, [
      scheduleId,
      ticks.map((t) => t.dueAt),
      ticks.map((t) => t.outcome),
      ticks.map((t) => t.reason),
      ticks.map((t) => t.jobId),
      recordedAt,
    ])
    const last = Math.max(...rows.map((r) => r.seq))
    if (last > this.#maxPerSchedule) {
      await tx.query('DELETE FROM schedule_ticks WHERE schedule_id = $1 AND seq <= $2', [
        scheduleId,
        last - this.#maxPerSchedule,
      ])
    }
  }

  async list({ scheduleId, limit, beforeSeq }: TickQuery): Promise<TickRecord[]> {
    const rows = await this.#db.query<TickRow>(
      'SELECT * FROM schedule_ticks WHERE schedule_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
      [scheduleId, beforeSeq ?? 2 ** 31 - 1, limit],
    )
    return rows.map(tickFromRow)
  }
}

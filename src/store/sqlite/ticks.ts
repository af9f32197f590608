import type Database from 'better-sqlite3'
import type { NewTick, TickRecord } from '../../model/tick.ts'
import { type TickRow, tickFromRow } from '../tick-rows.ts'
import type { TickQuery, TickStore } from '../tick-store.ts'
import type { SqliteConnection } from './connection.ts'

/**
 * Tick history in SQLite. {@link record} is synchronous and is called only from inside the
 * schedule store's compare-and-set, so a tick commits in the same transaction as its decision.
 */
export class SqliteTickStore implements TickStore {
  readonly #stmt: (sql: string) => Database.Statement
  readonly #maxPerSchedule: number

  constructor(connection: SqliteConnection, maxPerSchedule: number) {
    this.#stmt = (sql) => connection.stmt(sql)
    this.#maxPerSchedule = maxPerSchedule
  }

  /** Appends `ticks` (in order) to a schedule's history, then drops all but the newest N. */
  record(scheduleId: string, ticks: readonly NewTick[], recordedAt: number): void {
    if (ticks.length === 0) return
    const { last } = this.#stmt(
      'SELECT COALESCE(MAX(seq), 0) AS last FROM schedule_ticks WHERE schedule_id = ?',
    ).get(scheduleId) as { last: number }
    const insert = this.#stmt(
      `INSERT INTO schedule_ticks (schedule_id, seq, due_at, outcome, reason, job_id, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    let seq = last
    for (const t of ticks) insert.run(scheduleId, ++seq, t.dueAt, t.outcome, t.reason, t.jobId, recordedAt)
    // seq is dense per schedule, so "all but the newest N" is a range on the primary key.
    if (seq > this.#maxPerSchedule)
      this.#stmt('DELETE FROM schedule_ticks WHERE schedule_id = ? AND seq <= ?').run(
        scheduleId,
        seq - this.#maxPerSchedule,
      )
  }

  async list({ scheduleId, limit, beforeSeq }: TickQuery): Promise<TickRecord[]> {
    const rows = this.#stmt(
      `SELECT * FROM schedule_ticks WHERE schedule_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ).all(scheduleId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit) as TickRow[]
    return rows.map(tickFromRow)
  }
}

import type { JobRecord } from '../../model/job.ts'
import { ACTIVE_STATES } from '../../model/job-state.ts'
import type { NewSchedule, SchedulePatch, ScheduleRecord } from '../../model/schedule.ts'
import type { JobRow } from '../rows.ts'
import { decodeJsonValue } from '../rows.ts'
import {
  NEW_SCHEDULE_COLUMNS,
  newScheduleValues,
  type ScheduleRow,
  scheduleFromRow,
  schedulePatchSql,
} from '../schedule-rows.ts'
import type { ScheduleQuery, ScheduleStore } from '../schedule-store.ts'
import type { PgDatabase } from './db.ts'
import { fromRow as jobFromRow } from './job-read.ts'
import type { PgTickStore } from './ticks.ts'

const fromRow = (row: ScheduleRow) => scheduleFromRow(row, decodeJsonValue)
/** unique_violation: the name is another schedule's. */
const isUniqueViolation = (err: unknown) =>
  err instanceof Error && (err as { code?: string }).code === '23505'

/**
 * Schedules in PostgreSQL. Every write is a compare-and-set — on `version` for lifecycle changes,
 * on the expected `next_run_at` for a fire — so among instances exactly one applies a decision.
 */
export class PgScheduleStore implements ScheduleStore {
  readonly #db: PgDatabase
  readonly #ticks: PgTickStore

  constructor(db: PgDatabase, ticks: PgTickStore) {
    this.#db = db
    this.#ticks = ticks
  }

  async insert(schedule: NewSchedule): Promise<ScheduleRecord | 'name_taken'> {
    const placeholders = NEW_SCHEDULE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')
    try {
      const [row] = await this.#db.query<ScheduleRow>(
        `INSERT INTO schedules (${NEW_SCHEDULE_COLUMNS.join(', ')}) VALUES (${placeholders}) RETURNING *`,
        newScheduleValues(schedule),
      )
      return fromRow(row as ScheduleRow)
    } catch (err) {
      if (isUniqueViolation(err)) return 'name_taken'
      throw err
    }
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const [row] = await this.#db.query<ScheduleRow>('SELECT * FROM schedules WHERE id = $1', [id])
    return row && fromRow(row)
  }

  async list({ states, limit, beforeId }: ScheduleQuery): Promise<ScheduleRecord[]> {
    const rows = await this.#db.query<ScheduleRow>(
      `SELECT * FROM schedules WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
         AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [states?.length ? states : null, beforeId ?? null, limit],
    )
    return rows.map(fromRow)
  }

  async due(now: number, limit: number): Promise<ScheduleRecord[]> {
    const rows = await this.#db.query<ScheduleRow>(
      `SELECT * FROM schedules WHERE state = 'active' AND next_run_at <= $1 ORDER BY next_run_at LIMIT $2`,
      [now, limit],
    )
    return rows.map(fromRow)
  }

  async nextRunAt(exceptIds: readonly string[] = []): Promise<number | null> {
    const [row] = await this.#db.query<{ t: number | null }>(
      `SELECT min(next_run_at) AS t FROM schedules WHERE state = 'active' AND NOT (id = ANY($1::text[]))`,
      [exceptIds],
    )
    return row?.t ?? null
  }

  /** Compare-and-set on `column`; the row as written, or undefined when another writer won. */
  async #updateIf(
    id: string,
    column: 'next_run_at' | 'version',
    expected: number,
    patch: SchedulePatch,
  ): Promise<ScheduleRecord | undefined> {
    const { assignments, values } = schedulePatchSql(patch, (i) => `$${i + 1}`)
    const n = values.length
    const sql = `UPDATE schedules SET ${assignments.join(', ')} WHERE id = $${n + 1} AND ${column} = $${n + 2} RETURNING *`
    const ticks = patch.ticks ?? []
    // A decision and the ticks it decides commit together (SPEC §11); most writes carry none.
    const [row] =
      ticks.length === 0
        ? await this.#db.query<ScheduleRow>(sql, [...values, id, expected])
        : await this.#db.tx(async (tx) => {
            const rows = await tx.query<ScheduleRow>(sql, [...values, id, expected])
            if (rows.length > 0) await this.#ticks.record(tx, id, ticks, patch.updatedAt)
            return rows
          })
    return row && fromRow(row)
  }

  advance(id: string, expected: number, patch: SchedulePatch): Promise<ScheduleRecord | undefined> {
    return this.#updateIf(id, 'next_run_at', expected, patch)
  }

  async update(
    id: string,
    version: number,
    patch: SchedulePatch,
  ): Promise<ScheduleRecord | 'name_taken' | undefined> {
    try {
      return await this.#updateIf(id, 'version', version, patch)
    } catch (err) {
      if (isUniqueViolation(err)) return 'name_taken'
      throw err
    }
  }

  async recordLateness(id: string, latenessMs: number, now: number): Promise<void> {
    // Telemetry no decision reads: `version` is left alone (see the SQLite adapter).
    await this.#db.query('UPDATE schedules SET last_lateness_ms = $1, updated_at = $2 WHERE id = $3', [
      latenessMs,
      now,
      id,
    ])
  }

  async awaitingRuns(): Promise<ScheduleRecord[]> {
    const rows = await this.#db.query<ScheduleRow>(
      `SELECT * FROM schedules WHERE state = 'stopping' OR pending_due_at IS NOT NULL
         OR (state = 'active' AND next_run_at IS NULL)`,
    )
    return rows.map(fromRow)
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#db.query('DELETE FROM schedules WHERE id = $1 RETURNING id', [id])).length > 0
  }

  async activeRuns(scheduleIds: readonly string[]): Promise<JobRecord[]> {
    const rows = await this.#db.query<JobRow>(
      `SELECT * FROM jobs WHERE schedule_id = ANY($1::text[]) AND schedule_id IS NOT NULL
         AND state IN (${ACTIVE_STATES.map((s) => `'${s}'`).join(', ')}) ORDER BY id`,
      [scheduleIds],
    )
    return rows.map(jobFromRow)
  }

  async lastRun(scheduleId: string): Promise<JobRecord | undefined> {
    const [row] = await this.#db.query<JobRow>(
      'SELECT * FROM jobs WHERE schedule_id = $1 ORDER BY id DESC LIMIT 1',
      [scheduleId],
    )
    return row && jobFromRow(row)
  }
}

import type Database from 'better-sqlite3'
import type { JobRecord } from '../../model/job.ts'
import { ACTIVE_STATES } from '../../model/job-state.ts'
import type { NewSchedule, SchedulePatch, ScheduleRecord } from '../../model/schedule.ts'
import { decodeJsonText, type JobRow } from '../rows.ts'
import {
  NEW_SCHEDULE_COLUMNS,
  newScheduleValues,
  type ScheduleRow,
  scheduleFromRow,
  schedulePatchSql,
} from '../schedule-rows.ts'
import type { ScheduleQuery, ScheduleStore } from '../schedule-store.ts'
import type { SqliteConnection } from './connection.ts'
import { fromRow } from './job-read.ts'
import type { SqliteTickStore } from './ticks.ts'
import type { WriteQueue } from './write-queue.ts'

// Spelt exactly as in the jobs_schedule_active index, so SQLite can use that partial index.
const ACTIVE_SQL = ACTIVE_STATES.map((s) => `'${s}'`).join(', ')

const isUniqueViolation = (err: unknown) =>
  err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE'

/**
 * Schedules in SQLite. better-sqlite3 is synchronous, so each compare-and-set `UPDATE … WHERE
 * version = ?` runs whole before another writer of this process can start.
 */
export class SqliteScheduleStore implements ScheduleStore {
  readonly #stmt: (sql: string) => Database.Statement
  readonly #writes: WriteQueue
  readonly #ticks: SqliteTickStore
  /** A compare-and-set and the ticks it decides, all or nothing (a savepoint inside a write batch). */
  readonly #updateWithTicks: (
    id: string,
    column: 'next_run_at' | 'version',
    expected: number,
    patch: SchedulePatch,
  ) => ScheduleRecord | undefined

  /** `writes` is shared with the job store, so a tick's run and its advance commit together. */
  constructor(connection: SqliteConnection, writes: WriteQueue, ticks: SqliteTickStore) {
    this.#stmt = (sql) => connection.stmt(sql)
    this.#writes = writes
    this.#ticks = ticks
    this.#updateWithTicks = connection.transaction(
      (id: string, column: 'next_run_at' | 'version', expected: number, patch: SchedulePatch) => {
        const stored = this.#updateRow(id, column, expected, patch)
        if (stored && patch.ticks) this.#ticks.record(id, patch.ticks, patch.updatedAt)
        return stored
      },
    )
  }

  async insert(schedule: NewSchedule): Promise<ScheduleRecord | 'name_taken'> {
    const placeholders = NEW_SCHEDULE_COLUMNS.map(() => '?').join(', ')
    try {
      const row = await this.#writes.enqueue(
        () =>
          this.#stmt(
            `INSERT INTO schedules (${NEW_SCHEDULE_COLUMNS.join(', ')}) VALUES (${placeholders}) RETURNING *`,
          ).get(...newScheduleValues(schedule)) as ScheduleRow,
      )
      return scheduleFromRow(row, decodeJsonText)
    } catch (err) {
      if (isUniqueViolation(err)) return 'name_taken'
      throw err
    }
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const row = this.#stmt('SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRow | undefined
    return row && scheduleFromRow(row, decodeJsonText)
  }

  async list({ states, limit, beforeId }: ScheduleQuery): Promise<ScheduleRecord[]> {
    const rows = this.#stmt(
      `SELECT * FROM schedules
       WHERE (? IS NULL OR state IN (SELECT value FROM json_each(?))) AND (? IS NULL OR id < ?)
       ORDER BY id DESC LIMIT ?`,
    ).all(
      states?.length ? 1 : null,
      JSON.stringify(states ?? []),
      beforeId ?? null,
      beforeId ?? null,
      limit,
    ) as ScheduleRow[]
    return rows.map((r) => scheduleFromRow(r, decodeJsonText))
  }

  async due(now: number, limit: number): Promise<ScheduleRecord[]> {
    const rows = this.#stmt(
      `SELECT * FROM schedules WHERE state = 'active' AND next_run_at <= ? ORDER BY next_run_at LIMIT ?`,
    ).all(now, limit) as ScheduleRow[]
    return rows.map((r) => scheduleFromRow(r, decodeJsonText))
  }

  async nextRunAt(exceptIds: readonly string[] = []): Promise<number | null> {
    const row = (
      exceptIds.length === 0
        ? this.#stmt("SELECT MIN(next_run_at) AS t FROM schedules WHERE state = 'active'").get()
        : this.#stmt(
            `SELECT MIN(next_run_at) AS t FROM schedules WHERE state = 'active'
               AND id NOT IN (SELECT value FROM json_each(?))`,
          ).get(JSON.stringify(exceptIds))
    ) as { t: number | null }
    return row.t
  }

  /** Compare-and-set on `column` of schedule `id`, with the patch's ticks; the row as written, or undefined. */
  #updateIf(
    id: string,
    column: 'next_run_at' | 'version',
    expected: number,
    patch: SchedulePatch,
  ): ScheduleRecord | undefined {
    // Most writes carry no tick: no savepoint for them (the hot path of bench P5 is the advance).
    return patch.ticks?.length
      ? this.#updateWithTicks(id, column, expected, patch)
      : this.#updateRow(id, column, expected, patch)
  }

  #updateRow(
    id: string,
    column: 'next_run_at' | 'version',
    expected: number,
    patch: SchedulePatch,
  ): ScheduleRecord | undefined {
    const { assignments, values } = schedulePatchSql(patch, () => '?')
    // UPDATE, then read the row back: cheaper than RETURNING * (see SqliteJobStore#readBack).
    const { changes } = this.#stmt(
      `UPDATE schedules SET ${assignments.join(', ')} WHERE id = ? AND ${column} = ?`,
    ).run(...values, id, expected)
    if (changes === 0) return undefined
    const row = this.#stmt('SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRow | undefined
    return row && scheduleFromRow(row, decodeJsonText)
  }

  advance(id: string, expected: number, patch: SchedulePatch): Promise<ScheduleRecord | undefined> {
    return this.#writes.enqueue(() => this.#updateIf(id, 'next_run_at', expected, patch))
  }

  async update(
    id: string,
    version: number,
    patch: SchedulePatch,
  ): Promise<ScheduleRecord | 'name_taken' | undefined> {
    try {
      return await this.#writes.enqueue(() => this.#updateIf(id, 'version', version, patch))
    } catch (err) {
      if (isUniqueViolation(err)) return 'name_taken'
      throw err
    }
  }

  async recordLateness(id: string, latenessMs: number, now: number): Promise<void> {
    // Telemetry no decision reads: leaving `version` alone keeps run starts from failing the
    // compare-and-set of a lifecycle change or a settle under way.
    await this.#writes.enqueue(() =>
      this.#stmt('UPDATE schedules SET last_lateness_ms = ?, updated_at = ? WHERE id = ?').run(
        latenessMs,
        now,
        id,
      ),
    )
  }

  async awaitingRuns(): Promise<ScheduleRecord[]> {
    const rows = this.#stmt(
      `SELECT * FROM schedules WHERE state = 'stopping' OR pending_due_at IS NOT NULL
         OR (state = 'active' AND next_run_at IS NULL)`,
    ).all() as ScheduleRow[]
    return rows.map((r) => scheduleFromRow(r, decodeJsonText))
  }

  delete(id: string): Promise<boolean> {
    return this.#writes.enqueue(() => this.#stmt('DELETE FROM schedules WHERE id = ?').run(id).changes > 0)
  }

  async activeRuns(scheduleIds: readonly string[]): Promise<JobRecord[]> {
    // One indexed lookup per schedule: with an IN list SQLite walks every active job instead.
    const stmt = this.#stmt(
      `SELECT * FROM jobs WHERE schedule_id = ? AND schedule_id IS NOT NULL
         AND state IN (${ACTIVE_SQL}) ORDER BY id`,
    )
    return scheduleIds.flatMap((id) => (stmt.all(id) as JobRow[]).map(fromRow))
  }

  async lastRun(scheduleId: string): Promise<JobRecord | undefined> {
    const row = this.#stmt('SELECT * FROM jobs WHERE schedule_id = ? ORDER BY id DESC LIMIT 1').get(
      scheduleId,
    ) as JobRow | undefined
    return row && fromRow(row)
  }
}

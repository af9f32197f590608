import type { JobRecord } from '../model/job.ts'
import type { NewSchedule, SchedulePatch, ScheduleRecord, ScheduleState } from '../model/schedule.ts'

export interface ScheduleQuery {
  states?: ScheduleState[]
  limit: number
  /** Exclusive upper bound on id: the keyset cursor (newest first). */
  beforeId?: string
}

/**
 * Schedules. Every write is a compare-and-set (on `version`, or on the expected `nextRunAt` for
 * firing), so several instances sharing one database never both apply a decision.
 */
export interface ScheduleStore {
  /** Inserts a schedule at version 1; `name_taken` when another schedule has its name. */
  insert(schedule: NewSchedule): Promise<ScheduleRecord | 'name_taken'>
  get(id: string): Promise<ScheduleRecord | undefined>
  list(query: ScheduleQuery): Promise<ScheduleRecord[]>
  /** Up to `limit` active schedules with `nextRunAt` ≤ now, earliest first. */
  due(now: number, limit: number): Promise<ScheduleRecord[]>
  /** Earliest `nextRunAt` among active schedules, ignoring `exceptIds`; null when none. */
  nextRunAt(exceptIds?: readonly string[]): Promise<number | null>
  /** Applies `patch` only if `nextRunAt` is still `expected` (a fire); undefined: another writer won. */
  advance(id: string, expected: number, patch: SchedulePatch): Promise<ScheduleRecord | undefined>
  /** Applies `patch` only if the stored version is `version`; undefined: changed or gone. */
  update(
    id: string,
    version: number,
    patch: SchedulePatch,
  ): Promise<ScheduleRecord | 'name_taken' | undefined>
  /** Records a run's lateness; last writer wins, and `version` is left alone (telemetry, not state). */
  recordLateness(id: string, latenessMs: number, now: number): Promise<void>
  /**
   * Schedules waiting on a run's end: stopping, active without a next due time (fixed-delay,
   * daemon), or holding a queued tick. At start the scheduler settles those whose runs ended unseen.
   */
  awaitingRuns(): Promise<ScheduleRecord[]>
  delete(id: string): Promise<boolean>
  /** Non-terminal runs (scheduled, queued, running, cancelling) of these schedules, oldest first. */
  activeRuns(scheduleIds: readonly string[]): Promise<JobRecord[]>
  /** The newest run of a schedule, whatever its state. */
  lastRun(scheduleId: string): Promise<JobRecord | undefined>
}

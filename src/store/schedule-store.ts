import type { JobInput } from '../jobs/input.ts'
import type { ScheduleState } from '../scheduler/input.ts'
import type { CatchUp, Overlap } from '../scheduler/policies.ts'
import type { Trigger } from '../scheduler/trigger.ts'
import type { JobRecord } from './store.ts'
import type { NewTick } from './tick-store.ts'

/** A schedule's job template: a job input without its own timing (the schedule decides when). */
export type JobTemplate = Omit<JobInput, 'runAt' | 'delayMs'>

/** A schedule as the scheduler sees it. Times are epoch milliseconds. */
export interface ScheduleRecord {
  id: string
  name: string
  trigger: Trigger
  job: JobTemplate
  overlap: Overlap
  catchUp: CatchUp
  jitterMs: number
  startAt: number | null
  endAt: number | null
  maxRuns: number | null
  state: ScheduleState
  /** The next due time (before jitter); null while waiting for a run to end, or when finished. */
  nextRunAt: number | null
  /** Due time (after jitter) of the most recent run. */
  lastRunAt: number | null
  runCount: number
  skippedCount: number
  /** `startedAt − dueAt` of the most recently started run. */
  lastLatenessMs: number | null
  /** overlap=queue: the one tick waiting for the active run to end. */
  pendingDueAt: number | null
  /** Daemon: short runs in a row, for the restart backoff. */
  daemonFailures: number
  createdAt: number
  updatedAt: number
  /** Bumped on every write but a lateness record: the compare-and-set token of {@link ScheduleStore.update}. */
  version: number
}

export type NewSchedule = Omit<
  ScheduleRecord,
  'lastRunAt' | 'runCount' | 'skippedCount' | 'lastLatenessMs' | 'pendingDueAt' | 'daemonFailures' | 'version'
>

/** Fields a write may set (absent: unchanged), plus counter increments. */
export type SchedulePatch = Partial<
  Pick<
    ScheduleRecord,
    | 'name'
    | 'trigger'
    | 'job'
    | 'overlap'
    | 'catchUp'
    | 'jitterMs'
    | 'startAt'
    | 'endAt'
    | 'maxRuns'
    | 'state'
    | 'nextRunAt'
    | 'lastRunAt'
    | 'lastLatenessMs'
    | 'pendingDueAt'
    | 'daemonFailures'
  >
> & {
  updatedAt: number
  /** Added to runCount (an increment, so writers need not agree on the old value). */
  addRuns?: number
  /** Added to skippedCount. */
  addSkipped?: number
  /** SPEC §11: the ticks this write decides, recorded in the same transaction (stamped `updatedAt`). */
  ticks?: readonly NewTick[]
}

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

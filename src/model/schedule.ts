import { z } from 'zod'
import type { JobInput } from './job-input.ts'
import type { CatchUp, Overlap } from './policies.ts'
import type { NewTick } from './tick.ts'
import type { Trigger } from './trigger.ts'

/** SPEC §6 schedule states; `stopped` is final. */
export const ScheduleState = z.enum(['active', 'paused', 'stopping', 'stopped'])
export type ScheduleState = z.infer<typeof ScheduleState>

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

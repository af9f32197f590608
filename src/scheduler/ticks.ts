import type { JobRecord } from '../model/job.ts'
import type { ScheduleRecord } from '../model/schedule.ts'
import type { NewTick } from '../model/tick.ts'
import type { ScheduleEventBus } from './events.ts'

/**
 * SPEC §11: the tick records a decision writes, with their reasons in words. Pure builders, so
 * fire.ts, settle.ts and controls.ts word the same outcome the same way.
 */

const runs = (active: readonly JobRecord[]) =>
  active.length === 0 ? 'none' : active.map((run) => `${run.id} (${run.state})`).join(', ')

export const firedTick = (dueAt: number, job: JobRecord | null, reason: string | null = null): NewTick => ({
  dueAt,
  outcome: 'fired',
  reason: job ? reason : 'its run was made earlier, from a template since changed',
  jobId: job?.id ?? null,
})

export const manualTick = (dueAt: number, job: JobRecord, replaced: readonly JobRecord[]): NewTick => ({
  dueAt,
  outcome: 'manual',
  reason: replaced.length > 0 ? `replaced ${runs(replaced)}` : null,
  jobId: job.id,
})

/** overlap=skip (or a daemon, one run at a time): the run still active is named. */
export const overlapSkippedTick = (
  dueAt: number,
  active: readonly JobRecord[],
  rule = 'overlap skip',
): NewTick => ({
  dueAt,
  outcome: 'skipped',
  reason: `${rule}: run ${runs(active)} still active`,
  jobId: null,
})

/** overlap=queue with a tick already waiting: at most one waits (SPEC §6). */
export const queueFullTick = (dueAt: number, active: readonly JobRecord[]): NewTick => ({
  dueAt,
  outcome: 'skipped',
  reason: `overlap queue: a tick already waits for run ${runs(active)}`,
  jobId: null,
})

export const rejectedTick = (dueAt: number, message: string): NewTick => ({
  dueAt,
  outcome: 'skipped',
  reason: `the job template was rejected: ${message}`,
  jobId: null,
})

export const queuedTick = (dueAt: number, active: readonly JobRecord[], manual = false): NewTick => ({
  dueAt,
  outcome: 'queued',
  reason: `${manual ? 'manual trigger; ' : ''}waits for run ${runs(active)}`,
  jobId: null,
})

export const replacedTick = (dueAt: number, job: JobRecord | null, cancelled: readonly JobRecord[]) => ({
  ...firedTick(dueAt, job),
  outcome: 'replaced' as const,
  reason: `cancelled ${runs(cancelled)}`,
})

/**
 * A catch-up that did not run this due time. Whether the schedule was paused or the service down is
 * told from when this scheduler started: a tick due before that passed while nothing fired (down,
 * or paused before the start); one due since passed while the schedule was paused (or the
 * scheduler was stalled for over a second, ON_TIME_TOLERANCE_MS).
 */
export const missedTick = (
  dueAt: number,
  catchUp: ScheduleRecord['catchUp'],
  schedulerStartedAt: number,
): NewTick => ({
  dueAt,
  outcome: 'missed',
  reason: `catchUp ${catchUp}: due while ${dueAt < schedulerStartedAt ? 'the service was down' : 'the schedule was paused'}`,
  jobId: null,
})

/** One `schedule:tick` event per tick, after the write that stored them (SSE, tests). */
export function emitTicks(events: ScheduleEventBus, schedule: ScheduleRecord, ticks: readonly NewTick[]) {
  for (const tick of ticks)
    events.emit('schedule', {
      type: 'schedule:tick',
      schedule,
      tick: { ...tick, recordedAt: schedule.updatedAt },
    })
}

import { EventBus } from '../events.ts'
import type { ScheduleRecord } from '../model/schedule.ts'
import type { NewTick } from '../model/tick.ts'

/** `noun:verb` like the job events; a value too, so the SSE `types` filter can validate against it. */
export const SCHEDULE_EVENT_NAMES = [
  'schedule:created',
  'schedule:updated',
  'schedule:fired',
  'schedule:skipped',
  'schedule:paused',
  'schedule:resumed',
  'schedule:stopping',
  'schedule:stopped',
  'schedule:deleted',
  'schedule:tick',
] as const
export type ScheduleEventName = (typeof SCHEDULE_EVENT_NAMES)[number]

/** Emitted after the change is stored. */
export interface ScheduleEvent {
  type: ScheduleEventName
  schedule: ScheduleRecord
  /** schedule:fired: the run created. */
  jobId?: string
  /** schedule:fired / schedule:skipped: the due time of the tick (after jitter for a fire). */
  dueAt?: number
  /** Relayed from another instance (SPEC §10); `schedule` is the row as read when it arrived. */
  remote?: true
  /** schedule:tick: the tick as recorded in the history (SPEC §11). */
  tick?: NewTick & { recordedAt: number }
}

export type ScheduleEvents = { schedule: ScheduleEvent }

export const createScheduleEvents = (onListenerError?: (err: unknown) => void) =>
  new EventBus<ScheduleEvents>(onListenerError)
export type ScheduleEventBus = EventBus<ScheduleEvents>

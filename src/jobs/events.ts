import { EventBus } from '../events.ts'
import type { JobRecord } from '../model/job.ts'

/**
 * graphile-style `noun:verb` names. Emitted only after the change is stored, so anyone told of a
 * state can read it back. SSE, metrics, `wait` and tests all subscribe here. The list is a value
 * too, so the SSE `types` filter can validate against it.
 */
export const JOB_EVENT_NAMES = [
  'job:created',
  'job:queued',
  'job:started',
  'job:progress',
  'job:cancelling',
  'job:retrying',
  'job:finished',
  'job:deleted',
] as const
export type JobEventName = (typeof JOB_EVENT_NAMES)[number]

export interface JobEvent {
  type: JobEventName
  job: JobRecord
  /** Relayed from another instance (SPEC §10); `job` is the row as read when it arrived. */
  remote?: true
}

export type JobEvents = { job: JobEvent }

export const createJobEvents = (onListenerError?: (err: unknown) => void) =>
  new EventBus<JobEvents>(onListenerError)
export type JobEventBus = EventBus<JobEvents>

/**
 * What instances sharing one database tell each other (SPEC §10): compact records of job and
 * schedule events, so that an event on one instance reaches the others' claim loops, cancels,
 * waits, schedulers and event streams within milliseconds. Receivers read what they need from
 * the store; the bus carries ids and the few fields that decide whether to.
 */
export interface BusMessage {
  /** The sending process (its own messages come back to it and are ignored). */
  from: string
  /** Job events: [type, jobId, state, runAt, scheduleId, owner]. */
  jobs: JobSignal[]
  /** Schedule events: [type, scheduleId, nextRunAt, jobId, dueAt]. */
  schedules: ScheduleSignal[]
}

export type JobSignal = [
  type: string,
  id: string,
  state: string,
  runAt: number | null,
  scheduleId: string | null,
  owner: string | null,
]
export type ScheduleSignal = [
  type: string,
  id: string,
  nextRunAt: number | null,
  jobId: string | null,
  dueAt: number | null,
]

export interface StoreBus {
  /** Queued for this event-loop turn's message (one notification carries many signals). */
  publishJob(signal: JobSignal): void
  publishSchedule(signal: ScheduleSignal): void
  /** Messages of other instances; `resync` after the bus was down (messages may have been lost). */
  subscribe(listener: (message: BusMessage | 'resync') => void): () => void
  close(): Promise<void>
}

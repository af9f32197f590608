import { z } from 'zod'

/** SPEC §2. One z.enum gives both the runtime list and the type. */
export const JobState = z.enum([
  'scheduled',
  'queued',
  'running',
  'cancelling',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
])
export type JobState = z.infer<typeof JobState>

export const TERMINAL_STATES = ['succeeded', 'failed', 'timed_out', 'cancelled'] as const satisfies JobState[]
export const ACTIVE_STATES = ['scheduled', 'queued', 'running', 'cancelling'] as const satisfies JobState[]
export const WAITING_STATES = ['scheduled', 'queued'] as const satisfies JobState[]
export const EXECUTING_STATES = ['running', 'cancelling'] as const satisfies JobState[]

export type TerminalState = (typeof TERMINAL_STATES)[number]

export const isTerminal = (state: JobState): state is TerminalState =>
  (TERMINAL_STATES as readonly JobState[]).includes(state)

/**
 * Every allowed edge. `cancelling → succeeded|failed` is the graceful path (SPEC §3: the handler
 * finishes its unit of work and returns normally); `running|cancelling → queued` re-queues a run
 * interrupted by shutdown; `running → scheduled` is a retry waiting for its backoff.
 */
const EDGES: Record<JobState, readonly JobState[]> = {
  scheduled: ['queued', 'cancelled'],
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'timed_out', 'cancelled', 'cancelling', 'scheduled', 'queued'],
  cancelling: ['cancelled', 'succeeded', 'failed', 'timed_out', 'scheduled', 'queued'],
  succeeded: [],
  failed: [],
  timed_out: [],
  cancelled: [],
}

export const canTransition = (from: JobState, to: JobState): boolean => EDGES[from].includes(to)

/** States a job may be in for `to` to be entered; the compare-and-set `from` list of a store write. */
export const sourcesOf = (to: JobState): JobState[] =>
  JobState.options.filter((from) => EDGES[from].includes(to))

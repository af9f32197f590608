/** Every outcome a tick can have, as the API spells them. */
export const TICK_OUTCOMES = ['fired', 'skipped', 'queued', 'replaced', 'missed', 'manual'] as const
/**
 * - `fired`: a run was created (`jobId`).
 * - `skipped`: not run — the overlap policy (`reason` names the active run), a full queue, or a
 *   template its type rejects.
 * - `queued`: held until the active run ends (overlap `queue`); a later `fired` record follows.
 * - `replaced`: the active run was cancelled (named in `reason`) and a new one created (`jobId`).
 * - `missed`: passed while the service was down or the schedule paused, not run (catch-up).
 * - `manual`: a run created by `POST …/trigger` (`jobId`).
 */
export type TickOutcome = (typeof TICK_OUTCOMES)[number]

/** A tick as a decision writes it. Times are epoch milliseconds. */
export interface NewTick {
  /** When the tick was due (after jitter for a run; the grid time for a tick not run). */
  dueAt: number
  outcome: TickOutcome
  /** Why, in words, for anything but a plain `fired`. */
  reason: string | null
  /** The run this tick created, when it created one. */
  jobId: string | null
}

/** A stored tick. */
export interface TickRecord extends NewTick {
  scheduleId: string
  /** Per schedule, strictly increasing in recording order: the keyset cursor. */
  seq: number
  /** When the decision was stored (the schedule write's `updatedAt`). */
  recordedAt: number
}

/** JOBVISOR_MAX_TICKS' default: about a day of a 90 s schedule, ~100 KB per schedule in SQLite. */
export const DEFAULT_MAX_TICKS = 1000

import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { JobEngine } from '../jobs/engine.ts'
import {
  IdempotencyConflictError,
  InvalidJobInputError,
  JobNotFoundError,
  JobStateConflictError,
} from '../jobs/errors.ts'
import type { JobRecord } from '../model/job.ts'
import type { ScheduleRecord } from '../model/schedule.ts'
import { jitteredDue } from './policies.ts'

/** What making runs needs. */
export interface RunFactoryDeps {
  engine: JobEngine
  clock: Clock
  logger: Logger
  /** A number in [0, 1) for a seed; the same seed must give the same number (see {@link seededRandom}). */
  random: (seed: string) => number
}

/**
 * Jitter drawn from a hash of (schedule, due) rather than Math.random: a tick fired again after a
 * crash gets the same start time, hence the same job body, which the idempotency key then matches.
 */
export function seededRandom(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32
}

/** A tick's run: `job` is null only when it was made earlier from a template since changed. */
export interface Run {
  job: JobRecord | null
  created: boolean
}

/** Creating one run of a schedule: the engine is the only way a job comes into being (STYLE §A). */
export class RunFactory {
  readonly #d: RunFactoryDeps

  constructor(deps: RunFactoryDeps) {
    this.#d = deps
  }

  /** The start time of the tick due at `due`: the same for the same schedule and due, every time. */
  startTime(s: ScheduleRecord, due: number): number {
    return jitteredDue(due, s.jitterMs, () => this.#d.random(`${s.id}:${due}`))
  }

  /**
   * Creates the run of the tick due at `due`, keyed `schedule:{id}:{due}` so that firing the same
   * tick again (a crash between this and the advance of nextRunAt, or two instances) returns the
   * run already made. `job` is null only when that earlier run was made from another template.
   */
  async tick(s: ScheduleRecord, due: number): Promise<Run> {
    const at = this.startTime(s, due)
    // runAt whenever there is jitter, even if already past, so the body (and its fingerprint) is stable.
    const input = s.jitterMs > 0 ? { ...s.job, runAt: new Date(at).toISOString() } : s.job
    try {
      return await this.#d.engine.create(input, `schedule:${s.id}:${due}`, { scheduleId: s.id, dueAt: at })
    } catch (err) {
      if (!(err instanceof IdempotencyConflictError)) throw err
      // The template changed after this tick fired: the tick has its run, made from the old one.
      return { job: null, created: false }
    }
  }

  /**
   * {@link tick}, or `rejected` (why, in words) when the template no longer fits its type
   * (unregistered, params changed): retrying cannot help until someone fixes it, so the tick is
   * skipped, loudly.
   */
  async tickOrSkip(s: ScheduleRecord, due: number): Promise<Run | { rejected: string }> {
    try {
      return await this.tick(s, due)
    } catch (err) {
      if (!(err instanceof InvalidJobInputError)) throw err
      this.#d.logger.error({ err, scheduleId: s.id, dueAt: due }, 'schedule template rejected; tick skipped')
      return { rejected: err.message }
    }
  }

  /** A manual run (POST …/trigger): not a tick, so no key; due now. */
  async manual(s: ScheduleRecord): Promise<JobRecord> {
    const now = this.#d.clock.now()
    return (await this.#d.engine.create(s.job, undefined, { scheduleId: s.id, dueAt: now })).job
  }

  /** Cancels runs; one that finished meanwhile or was deleted is simply left alone. */
  async cancel(runs: readonly JobRecord[], mode: 'immediate' | 'graceful', reason: string): Promise<void> {
    for (const run of runs) {
      try {
        await this.#d.engine.cancel(run.id, { mode, reason })
      } catch (err) {
        if (err instanceof JobStateConflictError || err instanceof JobNotFoundError) continue
        throw err
      }
    }
  }
}

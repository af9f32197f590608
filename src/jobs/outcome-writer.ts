import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { JobPatch, JobRecord } from '../model/job.ts'
import { jobWith } from '../model/job.ts'
import { EXECUTING_STATES } from '../model/job-state.ts'
import { isStorageFault } from '../store/errors.ts'
import type { Store } from '../store/store.ts'
import type { JobEventName } from './events.ts'
import type { Execution, Outcome } from './execution.ts'
import { outcomePatch } from './outcome.ts'

export interface OutcomeWriterOptions {
  store: Store
  owner: string
  clock: Clock
  logger: Logger
  maxResultBytes: number
  /** Writes buffered log lines and progress; queued before the outcome, so both land in one commit. */
  flushLogs(): Promise<void>
  /** Wraps a write that makes a job `queued` (a retry), for the runner's queue bookkeeping. */
  whileQueueing<T>(write: () => Promise<T>): Promise<T>
  emit(type: JobEventName, job: JobRecord): void
  /** The attempt's outcome is stored, or given up on: the execution is done with. */
  release(exec: Execution): void
  /** The store refused the outcome: the execution takes its slot back until it lands (see below). */
  hold(exec: Execution): void
  /** A held outcome landed, or was given up on: its slot goes again. */
  unhold(exec: Execution): void
  /** A retry was stored as `scheduled` for `runAt`. */
  noteDelayed(runAt: number): void
}

/**
 * The row an outcome leaves: the claimed `job`, what others may have changed while it ran
 * (`known`), then the patch. Two assigns, not `{ ...known, ...patch }`: that spread of objects of
 * varying shape cost ~3 µs per outcome (bench P2 on PostgreSQL, a tenth of the runner's time).
 */
function storedRecord(
  job: JobRecord,
  known: Pick<JobRecord, 'cancel' | 'progress'>,
  patch: JobPatch,
): JobRecord {
  return Object.assign(jobWith(job, known), patch)
}

/** Retries of an outcome the store refused: soon at first, then every 5 s at most. */
const RETRY_FIRST_MS = 100
const RETRY_MAX_MS = 5000

interface Kept {
  exec: Execution
  outcome: Outcome
  delayMs: number
  timer: NodeJS.Timeout | null
}

/**
 * Stores how each attempt ended. The attempt's slot went back when it settled, so the next claim
 * overlaps this write (on a pool the two round trips would otherwise follow each other, and they
 * bounded the throughput: concurrency / (claim + outcome write)). When the store refuses the write
 * (a storage fault), the outcome is kept in memory — its execution takes its slot back, so claims
 * stop at the limit and at most twice the concurrency is kept — and written again with backoff,
 * and at once when the store reports it writes again, until it lands (SPEC §8). Only a shutdown
 * gives up on one: the job then stays `running` in the store and the next start recovers it as
 * interrupted (re-queued with attempts left, else failed).
 */
export class OutcomeWriter {
  readonly #o: OutcomeWriterOptions
  readonly #kept = new Map<string, Kept>()
  readonly #inFlight = new Set<Promise<void>>()
  #writing = 0
  #whenIdle: (() => void) | null = null
  #stopping = false

  constructor(options: OutcomeWriterOptions) {
    this.#o = options
  }

  /** Outcomes waiting for the store to write again. */
  get keptCount(): number {
    return this.#kept.size
  }

  write(exec: Execution, outcome: Outcome): void {
    const attempt = this.#attempt({ exec, outcome, delayMs: RETRY_FIRST_MS, timer: null })
    this.#inFlight.add(attempt)
    void attempt.then(() => this.#inFlight.delete(attempt))
  }

  /** Settles once every first write under way now has landed or been kept; null when none is. */
  inFlight(): Promise<unknown> | null {
    return this.#inFlight.size === 0 ? null : Promise.all(this.#inFlight)
  }

  /** The store writes again: every kept outcome is tried now. */
  retryNow(): void {
    for (const kept of this.#kept.values()) {
      if (kept.timer === null) continue
      clearTimeout(kept.timer)
      kept.timer = null
      void this.#attempt(kept)
    }
  }

  /** Shutdown: waits for writes under way, tries each kept outcome once more, gives up on the rest. */
  async drain(): Promise<void> {
    this.#stopping = true
    await this.#idle()
    const kept = [...this.#kept.values()]
    for (const k of kept) if (k.timer !== null) clearTimeout(k.timer)
    await Promise.all(kept.map((k) => this.#attempt(k)))
  }

  async #idle(): Promise<void> {
    while (this.#writing > 0) {
      await new Promise<void>((resolve) => {
        this.#whenIdle = resolve
      })
    }
    this.#whenIdle = null
  }

  async #attempt(kept: Kept): Promise<void> {
    const { exec, outcome } = kept
    const jobId = exec.job.id
    this.#writing++
    try {
      const stored = await this.#store(exec, outcome)
      this.#forget(kept)
      if (stored) this.#announce(exec, stored)
      else this.#o.logger.warn({ jobId, outcome: outcome.kind }, 'outcome not stored: job changed elsewhere')
    } catch (err) {
      if (isStorageFault(err) && !this.#stopping) {
        if (!this.#kept.has(jobId)) {
          this.#o.hold(exec)
          this.#o.logger.warn(
            { err, jobId, outcome: outcome.kind },
            'job outcome kept until the store writes again',
          )
        }
        this.#kept.set(jobId, kept)
        kept.timer = setTimeout(() => {
          kept.timer = null
          void this.#attempt(kept)
        }, kept.delayMs)
        kept.delayMs = Math.min(kept.delayMs * 2, RETRY_MAX_MS)
      } else {
        this.#forget(kept)
        this.#o.logger.error({ err, jobId, outcome: outcome.kind }, 'storing job outcome failed')
      }
    } finally {
      this.#writing--
      if (this.#writing === 0) this.#whenIdle?.()
    }
  }

  #forget(kept: Kept): void {
    const { exec } = kept
    if (this.#kept.delete(exec.job.id)) this.#o.unhold(exec)
    this.#o.release(exec)
  }

  /** The outcome's compare-and-set write; the stored record, or undefined when another writer won. */
  async #store(exec: Execution, outcome: Outcome): Promise<JobRecord | undefined> {
    const { job } = exec
    const { store, owner } = this.#o
    const logged = this.#o.flushLogs()
    const now = exec.settledAt ?? this.#o.clock.now()
    // Only a cancelled outcome needs the stored cancel request (to mark it forced or not); every
    // cancel reaches the execution through applyCancel, so the store is read only as a fallback.
    const cancel =
      outcome.kind === 'cancelled'
        ? (exec.cancelInfo ?? (await store.jobs.get(job.id))?.cancel ?? null)
        : null
    const { patch } = outcomePatch(job, outcome, { now, cancel, maxResultBytes: this.#o.maxResultBytes })
    // finishedAt is when the attempt settled; updatedAt is when the row changes, which is now. A
    // progress write flushed after the settle (just above) is stamped with its flush time, and an
    // outcome stamped earlier would make updatedAt go back: clients keeping the newest copy of a
    // job (the dashboard) would then keep `cancelling` over `cancelled` for good. A retry's
    // backoff counts from the same moment, so runAt − updatedAt stays the backoff.
    const late = this.#o.clock.now() - patch.updatedAt
    if (late > 0) {
      patch.updatedAt += late
      if (patch.runAt !== undefined && patch.runAt !== null) patch.runAt += late
    }
    // A store of this process's alone: only this runner (progress), engine.cancel (cancel, which
    // reaches us through applyCancel) and the heartbeat (lease) change an executing row, so the
    // stored record is known without reading it back. A shared store reads back only what another
    // instance may have changed meanwhile (a cancel it stored) and progress, written on another
    // connection; the rest of the row is the claim's, the heartbeat's (ours) and the patch's.
    const write = store.exclusive
      ? () =>
          store.jobs
            .transitionWithoutRead(job.id, EXECUTING_STATES, patch, owner)
            .then((applied) =>
              applied
                ? storedRecord(
                    job,
                    { progress: exec.lastProgress ?? job.progress, cancel: exec.cancelInfo ?? job.cancel },
                    patch,
                  )
                : undefined,
            )
      : () =>
          store.jobs
            .transitionKnown(job.id, EXECUTING_STATES, patch, owner)
            .then((known) => known && storedRecord(job, known, patch))
    // SQLite's write queue commits both in one batch, logs first. A pool runs statements on several
    // connections: the log must land before the outcome, or a reader seeing the job finished
    // could find its log incomplete.
    if (!store.exclusive) await logged
    const [stored] = await Promise.all([
      patch.state === 'queued' ? this.#o.whileQueueing(write) : write(),
      logged,
    ])
    return stored
  }

  #announce(exec: Execution, stored: JobRecord): void {
    const { job } = exec
    const now = exec.settledAt ?? this.#o.clock.now()
    const retrying = stored.state === 'scheduled' || stored.state === 'queued'
    // debug for every end (one line per job would dominate the cost of a noop job), info for retries.
    this.#o.logger[retrying ? 'info' : 'debug'](
      { jobId: job.id, state: stored.state, durationMs: now - (job.startedAt ?? now) },
      retrying ? 'job will retry' : 'job finished',
    )
    this.#o.emit(retrying ? 'job:retrying' : 'job:finished', stored)
    if (stored.state === 'scheduled') this.#o.noteDelayed(stored.runAt ?? now)
  }
}

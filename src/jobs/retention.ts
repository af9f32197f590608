import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { JobStore } from '../store/store.ts'

export interface RetentionOptions {
  jobs: Pick<JobStore, 'deleteFinishedBefore'>
  clock: Clock
  logger: Logger
  /** Terminal jobs whose `finishedAt` is older than this are deleted (JOBVISOR_RETENTION). */
  retentionMs: number
  /** Pause between the end of one sweep and the start of the next. */
  intervalMs?: number
  /** Delay of the first sweep after start. */
  firstSweepAfterMs?: number
  /** Rows deleted per store call; the event loop gets a turn between batches. */
  batchSize?: number
}

/** Once a minute: a backlog of old jobs clears within minutes, and an idle store costs one query. */
const INTERVAL_MS = 60_000
/** Soon after start, so a service that restarts often still sweeps, yet after recovery and claiming. */
const FIRST_SWEEP_AFTER_MS = 5_000
/** ~500 rows (with their labels and logs) is a few milliseconds of SQLite work: short enough for requests. */
const BATCH_SIZE = 500

/**
 * Deletes terminal jobs older than the retention period (SPEC §8 JOBVISOR_RETENTION) in small
 * batches, yielding to the event loop between them, so HTTP and the engine stay responsive while
 * a large backlog is cleared. Sweeps never overlap: the next one is armed when the last one ends.
 */
export class Retention {
  readonly #o: Required<RetentionOptions>
  #timer: TimerHandle | null = null
  #sweeping: Promise<number> | null = null
  #started = false
  #stopped = false

  constructor(options: RetentionOptions) {
    this.#o = {
      intervalMs: INTERVAL_MS,
      firstSweepAfterMs: FIRST_SWEEP_AFTER_MS,
      batchSize: BATCH_SIZE,
      ...options,
    }
  }

  /** Arms the first sweep; later ones follow every `intervalMs`. */
  start(): void {
    if (this.#started) return
    this.#started = true
    this.#stopped = false
    this.#arm(this.#o.firstSweepAfterMs)
  }

  /** Disarms the timer and waits for a sweep in progress to finish its current batch. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#started = false
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
    await this.#sweeping?.catch(() => {})
  }

  /** One sweep now; resolves with how many it deleted. Concurrent calls share one; once stopped, one batch at most. */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = null
    })
    return this.#sweeping
  }

  async #sweep(): Promise<number> {
    const startedAt = this.#o.clock.now()
    // One cutoff for the whole sweep: jobs finishing meanwhile wait for the next sweep.
    const before = startedAt - this.#o.retentionMs
    let deleted = 0
    for (;;) {
      const n = await this.#o.jobs.deleteFinishedBefore(before, this.#o.batchSize)
      deleted += n
      if (n < this.#o.batchSize || this.#stopped) break
      // better-sqlite3 is synchronous: without this turn, a large backlog would hold the loop.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    // An empty sweep every minute is noise at info level; one that deleted something is not.
    const level = deleted > 0 ? 'info' : 'debug'
    this.#o.logger[level](
      { deleted, before: new Date(before).toISOString(), durationMs: this.#o.clock.now() - startedAt },
      'retention sweep',
    )
    return deleted
  }

  #arm(ms: number): void {
    const timer = this.#o.clock.setTimeout(() => void this.#tick(), ms)
    // The HTTP server keeps the process alive; this timer alone must not.
    if (typeof timer === 'object' && 'unref' in timer && typeof timer.unref === 'function') timer.unref()
    this.#timer = timer
  }

  async #tick(): Promise<void> {
    this.#timer = null
    try {
      await this.sweep()
    } catch (err) {
      this.#o.logger.error({ err }, 'retention sweep failed')
    }
    // A stop and restart during the sweep has armed a timer already.
    if (!this.#stopped && this.#timer === null) this.#arm(this.#o.intervalMs)
  }
}

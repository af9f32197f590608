import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { JobRecord } from '../model/job.ts'
import type { Store } from '../store/store.ts'

/** Longest the timer sleeps before re-reading the store (other instances may add jobs). */
const MAX_TIMER_SLEEP_MS = 30_000
/** After a store error, the timer tries again this much later. */
const RETRY_AFTER_ERROR_MS = 1000

export interface DelayedTimerOptions {
  store: Store
  clock: Clock
  logger: Logger
  /** See Slots#whileQueueing: a promotion queues jobs, so the direct-start path must wait. */
  whileQueueing<T>(write: () => Promise<T>): Promise<T>
  /** Jobs just moved from `scheduled` to `queued`. */
  promoted(jobs: readonly JobRecord[]): void
}

/**
 * Delayed jobs (`runAt`, retry backoffs) are moved to `queued` by one timer armed for the earliest
 * due time in the store, not by a timer per job. On a store shared with other instances it also
 * wakes at least every 30 s, since another instance may have added an earlier job unseen.
 */
export class DelayedTimer {
  readonly #o: DelayedTimerOptions
  #timer: TimerHandle | null = null
  #at: number | null = null
  #stopped = false

  constructor(options: DelayedTimerOptions) {
    this.#o = options
  }

  /** Makes sure the timer fires no later than `runAt`. */
  note(runAt: number): void {
    if (this.#at === null || runAt < this.#at) void this.arm()
  }

  async arm(): Promise<void> {
    if (this.#stopped) return
    let next: number | null
    try {
      next = await this.#o.store.jobs.nextDueAt()
    } catch (err) {
      this.#o.logger.error({ err }, 'reading the next delayed job failed')
      this.#armAt(this.#o.clock.now() + RETRY_AFTER_ERROR_MS)
      return
    }
    const cap = this.#o.clock.now() + MAX_TIMER_SLEEP_MS
    this.#armAt(next === null ? (this.#o.store.exclusive ? null : cap) : Math.min(next, cap))
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
  }

  #armAt(at: number | null): void {
    // Stopped during a read: a timer armed now would outlive the store.
    if (this.#stopped) return
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#at = at
    if (at === null) return
    this.#timer = this.#o.clock.setTimeout(() => void this.#promote(), Math.max(0, at - this.#o.clock.now()))
  }

  async #promote(): Promise<void> {
    this.#timer = null
    this.#at = null
    try {
      const promoted = await this.#o.whileQueueing(() =>
        this.#o.store.jobs.promoteDue(this.#o.clock.now(), 1000),
      )
      this.#o.promoted(promoted)
    } catch (err) {
      this.#o.logger.error({ err }, 'promoting delayed jobs failed')
      // Not at once: the due job is still due, and re-arming now would spin while the store fails.
      this.#armAt(this.#o.clock.now() + RETRY_AFTER_ERROR_MS)
      return
    }
    await this.arm()
  }
}

import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { JobRecord } from '../model/job.ts'
import type { Store } from '../store/store.ts'
import type { JobEventName } from './events.ts'

export interface LeaseKeeperOptions {
  store: Store
  clock: Clock
  logger: Logger
  owner: string
  leaseMs: number
  /** Ids of the runs this process executes now: only those leases are renewed. */
  runningIds(): string[]
  /** A run here that another actor moved to `cancelling`. */
  applyCancel(job: JobRecord): void
  /** See Slots#whileQueueing: a recovery may re-queue jobs. */
  whileQueueing<T>(write: () => Promise<T>): Promise<T>
  emit(type: JobEventName, job: JobRecord): void
  /** Recovered jobs may be queued: the claim loop may move. */
  recovered(): void
  /** Runs before each recovery of dead owners' runs (ends their command processes here). */
  beforeRecover?: () => Promise<unknown>
}

/**
 * Leases (SPEC §3 Interrupted work, §10): a run is claimed with a lease this process renews every
 * third of it for the runs it really executes, and a run whose owner stopped renewing is
 * recovered by whoever sees it — at start for this process's own store, on every beat for a
 * shared one. The beat also carries cancels made elsewhere to the handlers here.
 */
export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions
  #timer: TimerHandle | null = null
  #stopped = false

  constructor(options: LeaseKeeperOptions) {
    this.#o = options
  }

  start(): void {
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
  }

  /** Re-queues or fails runs whose owner stopped heart-beating (all foreign ones with an exclusive store). */
  async recover(now: number): Promise<number> {
    // SPEC §8: what a dead owner's command runs left on this machine ends before they are retried.
    await this.#o.beforeRecover?.()
    const staleBefore = this.#o.store.exclusive ? Number.MAX_SAFE_INTEGER : now
    const recovered = await this.#o.whileQueueing(() =>
      this.#o.store.jobs.recoverInterrupted(this.#o.owner, staleBefore, now),
    )
    for (const job of recovered) {
      this.#o.logger.warn({ jobId: job.id, state: job.state }, 'recovered interrupted job')
      this.#o.emit(job.state === 'queued' ? 'job:retrying' : 'job:finished', job)
    }
    if (recovered.length > 0) this.#o.recovered()
    return recovered.length
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = this.#o.clock.setTimeout(() => void this.#beat(), Math.floor(this.#o.leaseMs / 3))
  }

  async #beat(): Promise<void> {
    try {
      const now = this.#o.clock.now()
      const leaseUntil = now + this.#o.leaseMs
      const cancelling = await this.#o.store.jobs.heartbeat(this.#o.owner, this.#o.runningIds(), leaseUntil)
      for (const job of cancelling) this.#o.applyCancel(job)
      if (!this.#o.store.exclusive) await this.recover(now)
    } catch (err) {
      this.#o.logger.error({ err }, 'heartbeat failed')
    } finally {
      this.#schedule()
    }
  }
}

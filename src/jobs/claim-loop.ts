import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { JobRecord } from '../model/job.ts'
import { isStorageFault } from '../store/errors.ts'
import type { ClaimOptions, Store } from '../store/store.ts'
import type { Slots } from './slots.ts'

export interface ClaimLoopOptions {
  store: Store
  clock: Clock
  logger: Logger
  owner: string
  instance: string
  leaseMs: number
  maxConcurrency: number
  slots: Slots
  /** Settles once the outcomes being written now have landed; null when none is (OutcomeWriter#inFlight). */
  outcomesInFlight(): Promise<unknown> | null
  /** Runs a claimed job here. */
  start(job: JobRecord): void
  /** Runs a job this process owns but may not run yet (a claim whose answer was lost). */
  adopt(job: JobRecord): void
}

/** Claim in batches: one store round-trip moves many queued jobs to running. */
const CLAIM_BATCH = 256
/**
 * With a store shared by several instances, the claim loop also looks at the queue this often:
 * notifications from the others are the fast path, this the fallback when one was lost.
 */
const SHARED_CLAIM_POLL_MS = 1000
/** After a store error, the claim loop waits this long before trying again. */
const RETRY_AFTER_ERROR_MS = 1000

/**
 * Moves queued jobs to running here while slots are free, in the store's claim order (priority,
 * then FIFO): the only path from `queued` to a handler. Every reason to look at the queue again
 * (a settle, a create, a promotion, a notification, the shared-store poll) ends in `fill()`.
 */
export class ClaimLoop {
  readonly #o: ClaimLoopOptions
  #filling = false
  #refill = false
  #stopped = false
  #poll: NodeJS.Timeout | null = null
  /** A claim failed with a storage fault: it may have committed (see #adoptOwned). */
  #uncertain = false

  constructor(options: ClaimLoopOptions) {
    this.#o = options
  }

  start(): void {
    this.fill()
    if (!this.#o.store.exclusive && this.#o.maxConcurrency > 0) {
      this.#poll = setInterval(() => this.fill(), SHARED_CLAIM_POLL_MS)
      this.#poll.unref()
    }
  }

  /** No claim starts after this; one in flight still hands its jobs to `start` (they get stopSignal). */
  stop(): void {
    this.#stopped = true
    if (this.#poll !== null) clearInterval(this.#poll)
  }

  /** Claims queued jobs until the slots are full. Re-entrant calls coalesce into one more pass. */
  fill(): void {
    // Known empty (a store of this process's alone): nothing to claim, skip the transaction.
    if (this.#stopped || this.#o.slots.queueKnownEmpty) return
    if (this.#filling) {
      this.#refill = true
      return
    }
    this.#filling = true
    void this.#loop()
  }

  async #loop(): Promise<void> {
    const { slots } = this.#o
    try {
      do {
        this.#refill = false
        while (!this.#stopped && slots.free > 0) {
          if (this.#uncertain) await this.#adoptOwned()
          const generation = slots.generation
          const room = slots.typeRoom()
          const limit = slots.claimLimit(CLAIM_BATCH, room.typeRoom)
          // Only jobs of full types are queued: nothing to take until one of them settles.
          if (limit === 0) break
          const landed = this.#o.outcomesInFlight()
          const rows = await this.#claim(limit, room)
          // The claim overlapped the outcomes of the slots it took (Slots#free); they land first.
          if (landed !== null) await landed
          for (const row of rows) this.#o.start(row)
          if (rows.length === 0) {
            slots.claimedNothing(generation, room.excludeTypes)
            break
          }
          // Only jobs of types at their limit are queued, and this claim took the room they had:
          // one more would walk the whole queue past them to find nothing (bench P9: one per job).
          if (rows.length < limit && slots.queueOnlyHeldBack) break
        }
      } while (this.#refill && !this.#stopped)
    } catch (err) {
      // The claim may have committed with its answer lost (the connection died after the commit).
      if (isStorageFault(err)) this.#uncertain = true
      this.#o.logger.error({ err }, 'claiming jobs failed')
      this.#o.clock.setTimeout(() => this.fill(), RETRY_AFTER_ERROR_MS)
    } finally {
      // In the same synchronous step as the last #refill check: a fill() coming after it starts a
      // new loop instead of setting a #refill nobody reads (a `.finally` callback would run later).
      this.#filling = false
    }
  }

  /**
   * After a claim that failed with a storage fault, the rows it may have moved to running, owned
   * here, are started (they are this process's, and nobody else runs them); without this they
   * would wait out the lease before another instance recovered them as interrupted.
   */
  async #adoptOwned(): Promise<void> {
    const owned = await this.#o.store.jobs.owned(this.#o.owner)
    this.#uncertain = false
    for (const job of owned) this.#o.adopt(job)
  }

  #claim(limit: number, room: Pick<ClaimOptions, 'excludeTypes' | 'typeRoom'>): Promise<JobRecord[]> {
    const now = this.#o.clock.now()
    return this.#o.store.jobs.claim(this.#o.owner, now, {
      instance: this.#o.instance,
      limit,
      leaseUntil: now + this.#o.leaseMs,
      ...room,
    })
  }
}

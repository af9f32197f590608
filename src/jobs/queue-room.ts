import { UnavailableError } from './errors.ts'

export interface QueueRoomOptions {
  /** JOBVISOR_MAX_QUEUED: waiting jobs (scheduled + queued) beyond which creates get 503. */
  maxQueued: number
  /** The store's count of waiting jobs: O(queue), so read at most once per `ttlMs`. */
  countWaiting(): Promise<number>
  now(): number
  /** How stale the count may be; jobs that leave the queue are only seen at the next count. */
  ttlMs: number
}

/** Room taken for jobs being stored; settle it once the store write has ended. */
export interface Reservation {
  /** `waiting`: how many of the reserved jobs the store now holds waiting (0 if the write failed). */
  settle(waiting: number): void
}

/**
 * Backpressure (QUALITY S6) with an exact bound and no COUNT per create. The bound covers what is
 * stored (the last count plus the creates stored since) and what is being stored (reserved, not
 * yet written). The check and the reservation happen in one synchronous step, so concurrent
 * creates cannot both take the last place; a count never forgets creates in flight (they are
 * reserved apart from it), and creates stored while a count runs are added to it, since the count
 * may not have seen them. Errors are on the safe side: jobs that left the queue since the last
 * count still occupy room until the next one (at most `ttlMs`). Exact for one instance; several
 * instances sharing a store each see the others' jobs only at their next count.
 */
export class QueueRoom {
  readonly #o: QueueRoomOptions
  /** Waiting jobs in the store, as far as this process knows. */
  #stored = 0
  /** Reserved by creates whose store write has not ended. */
  #inFlight = 0
  #readAt = Number.NEGATIVE_INFINITY
  #counting: Promise<void> | null = null
  /** Stored while the current count runs, which may or may not include them. */
  #storedDuringCount = 0

  constructor(options: QueueRoomOptions) {
    this.#o = options
  }

  /** Takes room for `n` jobs, or throws UnavailableError (503 + Retry-After) when the queue is full. */
  async reserve(n: number): Promise<Reservation> {
    if (this.#o.now() - this.#readAt > this.#o.ttlMs) await this.#count()
    if (this.#stored + this.#inFlight + n > this.#o.maxQueued) {
      throw new UnavailableError(`the queue is full (${this.#o.maxQueued} waiting jobs); retry later`, 1)
    }
    this.#inFlight += n
    let settled = false
    return {
      settle: (waiting) => {
        if (settled) return
        settled = true
        this.#inFlight -= n
        this.#stored += waiting
        if (this.#counting) this.#storedDuringCount += waiting
      },
    }
  }

  /** One count at a time: concurrent creates that find the reading stale share it. */
  #count(): Promise<void> {
    this.#counting ??= (async () => {
      this.#storedDuringCount = 0
      const startedAt = this.#o.now()
      try {
        const count = await this.#o.countWaiting()
        this.#stored = count + this.#storedDuringCount
        this.#readAt = startedAt
      } finally {
        this.#counting = null
      }
    })()
    return this.#counting
  }
}

import type { Clock, TimerHandle } from '../../src/clock.ts'

interface Timer {
  readonly id: number
  readonly dueAt: number
  readonly fn: () => void
}

/** 2026-01-01T00:00:00Z: a fixed, readable start for test timelines. */
export const REFERENCE_TIME = Date.UTC(2026, 0, 1)

/**
 * A Clock whose time moves only when a test says so. Timers fire in due order (ties in the order
 * they were set); a timer set while advancing fires in the same advance if it falls in the window.
 */
export class FakeClock implements Clock {
  #now: number
  #nextId = 1
  #timers = new Map<number, Timer>()

  constructor(start = REFERENCE_TIME) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++
    // Like Node, a negative or NaN delay means "as soon as possible".
    this.#timers.set(id, { id, dueAt: this.#now + (Number.isNaN(ms) ? 0 : Math.max(ms, 0)), fn })
    return { id }
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'object' && handle !== null && 'id' in handle && typeof handle.id === 'number') {
      this.#timers.delete(handle.id)
    }
  }

  /** Timers set and not yet fired or cleared. */
  pending(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, firing due timers synchronously, each at its own due time. */
  advance(ms: number): void {
    const until = this.#now + ms
    for (let timer = this.#nextDue(until); timer; timer = this.#nextDue(until)) this.#fire(timer)
    this.#now = until
  }

  /**
   * Like {@link advance}, but lets promise chains and I/O callbacks started by each timer run
   * before the next one fires, so async code driven by timers sees a realistic order.
   */
  async advanceAsync(ms: number): Promise<void> {
    const until = this.#now + ms
    await flush()
    for (let timer = this.#nextDue(until); timer; timer = this.#nextDue(until)) {
      this.#fire(timer)
      await flush()
    }
    this.#now = until
  }

  #nextDue(until: number): Timer | undefined {
    let next: Timer | undefined
    // Map iteration is insertion order, so `<` keeps ties first-set-first-fired.
    for (const timer of this.#timers.values()) {
      if (timer.dueAt <= until && (next === undefined || timer.dueAt < next.dueAt)) next = timer
    }
    return next
  }

  #fire(timer: Timer): void {
    this.#timers.delete(timer.id)
    this.#now = Math.max(this.#now, timer.dueAt)
    timer.fn()
  }
}

/** Drains microtasks, then one macrotask turn (setImmediate) for callbacks queued behind I/O. */
async function flush(): Promise<void> {
  // Several turns: the SQLite adapter commits queued writes on setImmediate, and one tick's work
  // (create a run, then advance the schedule, then claim it) is a chain of such commits.
  for (let turn = 0; turn < 8; turn++) {
    for (let i = 0; i < 10; i++) await Promise.resolve()
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

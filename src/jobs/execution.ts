import type { Clock, TimerHandle } from '../clock.ts'
import type { CancelInfo, JobRecord } from '../model/job.ts'
import type { AnyJobType, JobContext } from './define.ts'
import { CancelledError, coerceError, ShutdownError, TimeoutError } from './errors.ts'

/** How one attempt ended, decided by the engine from the abort reason, never by the handler alone. */
export type Outcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: Error & { code?: string } }
  | { kind: 'timed_out'; forced: boolean; error: TimeoutError }
  | { kind: 'cancelled'; forced: boolean }
  | { kind: 'interrupted'; forced: boolean }

/** Shared by every execution of a runner (one object, not a set of closures per job). */
export interface ExecutionOptions {
  clock: Clock
  /** Grace after a timeout abort before the run is declared over (forced). */
  graceMs: number
  /** Called once, when the outcome is decided. */
  onSettled(exec: Execution, outcome: Outcome): void
  /** Called when a handler settles after the engine already decided (forced): only for logging. */
  onLateSettle(jobId: string): void
}

/**
 * One running attempt: its controllers, its timeout and grace timers, and the outcome promise.
 * The outcome resolves exactly once — when the handler settles, or when a grace expires first
 * (`forced`), in which case the slot is freed and whatever the handler does later is ignored.
 */
export class Execution {
  readonly job: JobRecord
  /** The latest progress the handler reported (the stored one once its write lands). */
  lastProgress: JobRecord['progress'] = null
  /** The stored cancel request this run was told of, set by the runner; its outcome record keeps it. */
  cancelInfo: CancelInfo | null = null
  /**
   * Made on first use, as #stop: an AbortController costs ~5 µs and its garbage (2.5 % of a noop
   * run's profile, GC aside), and a handler that never looks at `ctx.signal` has no use for one.
   * The reason is kept apart, so a signal made after the abort starts out aborted with it.
   */
  #abort: AbortController | null = null
  #abortReason: Error | null = null
  #stop: AbortController | null = null
  readonly #options: ExecutionOptions
  #timers: Set<TimerHandle> | null = null
  #outcome: Outcome | null = null
  #waiters: ((outcome: Outcome) => void)[] | null = null
  #settledAt: number | null = null
  #cancelMode: 'immediate' | 'graceful' | null = null
  /** Set only for a type that can be ended from outside (see AnyJobType.abandon). */
  #abandon: AnyJobType | null = null

  constructor(job: JobRecord, options: ExecutionOptions) {
    this.job = job
    this.#options = options
  }

  get signal(): AbortSignal {
    if (this.#abort === null) {
      this.#abort = new AbortController()
      if (this.#abortReason !== null) this.#abort.abort(this.#abortReason)
    }
    return this.#abort.signal
  }

  get stopSignal(): AbortSignal {
    this.#stop ??= new AbortController()
    return this.#stop.signal
  }

  /** Resolves with the outcome once it is decided (shutdown waits on it). */
  get outcome(): Promise<Outcome> {
    if (this.#outcome) return Promise.resolve(this.#outcome)
    return new Promise((resolve) => {
      this.#waiters ??= []
      this.#waiters.push(resolve)
    })
  }

  get isSettled(): boolean {
    return this.#outcome !== null
  }

  /** When the outcome was decided: the job's `finishedAt`, however long storing it takes. */
  get settledAt(): number | null {
    return this.#settledAt
  }

  get cancelMode(): 'immediate' | 'graceful' | null {
    return this.#cancelMode
  }

  /**
   * Runs the handler, synchronously up to its first await: apply early cancels and stops before
   * this. `timeoutMs` counts from the stored startedAt (SPEC §3: the clock starts at `running`).
   */
  start(type: AnyJobType, params: unknown, ctx: JobContext, timeoutMs: number | null): void {
    if (type.abandon) this.#abandon = type
    if (timeoutMs !== null) {
      // Counted from the stored startedAt, not from now: the claim batch and the setup of the
      // handler must not stretch the timeout a client reads back (finishedAt − startedAt).
      const deadline = (this.job.startedAt ?? this.#options.clock.now()) + timeoutMs
      this.#at(deadline, () =>
        this.#abortWith(new TimeoutError(this.job.id, timeoutMs), this.#options.graceMs),
      )
    }
    let running: Promise<unknown>
    try {
      // Promise.resolve: a plain-JS handler may return a value or a thenable (a native promise
      // passes through as is).
      running = Promise.resolve(type.run(params, ctx))
    } catch (err) {
      // A handler that throws synchronously is treated like one that rejects.
      running = Promise.reject(err)
    }
    // Two handlers on the handler's own promise: no async wrapper held per running job (P6).
    running.then(
      (result) => this.#settle(this.#fromAbort(false) ?? { kind: 'succeeded', result }),
      (err: unknown) => this.#settle(this.#fromAbort(false) ?? { kind: 'failed', error: coerceError(err) }),
    )
  }

  /** Ends the attempt as failed without running the handler (e.g. its type is no longer registered). */
  failBeforeStart(error: Error & { code?: string }): void {
    this.#settle({ kind: 'failed', error })
  }

  /** SPEC §3 Cancel. Graceful fires `stopSignal`, escalating to immediate after `graceMs`. */
  cancel(mode: 'immediate' | 'graceful', graceMs: number, reason: string | null): void {
    if (this.#outcome || this.#cancelMode === 'immediate') return
    if (mode === 'graceful') {
      if (this.#cancelMode === 'graceful') return
      this.#cancelMode = 'graceful'
      this.#stopWith(new CancelledError(this.job.id, reason ?? undefined))
      this.#after(graceMs, () => this.cancel('immediate', graceMs, reason))
      return
    }
    this.#cancelMode = 'immediate'
    this.#abortWith(new CancelledError(this.job.id, reason ?? undefined), graceMs)
  }

  /** Shutdown, first step: ask the handler to finish its unit of work. */
  requestStop(): void {
    this.#stopWith(new ShutdownError(this.job.id))
  }

  #stopWith(reason: Error): void {
    this.#stop ??= new AbortController()
    if (!this.#stop.signal.aborted) this.#stop.abort(reason)
  }

  /** Shutdown, second step: abort with a ShutdownError; forced as interrupted after `graceMs`. */
  interrupt(graceMs: number): void {
    this.#abortWith(new ShutdownError(this.job.id), graceMs)
  }

  /** Last step of shutdown: stop waiting for the handler. */
  forceNow(): void {
    if (this.#outcome) return
    // Before settling: what abandon logs to the job joins the outcome's commit (OutcomeWriter#store).
    this.#abandon?.abandon?.(this.job.id)
    this.#settle(this.#fromAbort(true) ?? { kind: 'interrupted', forced: true })
  }

  #abortWith(reason: Error, graceMs: number): void {
    if (this.#outcome || this.#abortReason !== null) return
    this.#abortReason = reason
    this.#abort?.abort(reason)
    this.#after(graceMs, () => this.forceNow())
  }

  #fromAbort(forced: boolean): Outcome | undefined {
    const reason = this.#abortReason
    if (reason === null) return undefined
    if (reason instanceof TimeoutError) return { kind: 'timed_out', forced, error: reason }
    if (reason instanceof CancelledError) return { kind: 'cancelled', forced }
    // SPEC §3: a run already told to cancel that shutdown cuts short is cancelled, never retried.
    if (this.#cancelMode !== null) return { kind: 'cancelled', forced }
    return { kind: 'interrupted', forced }
  }

  /**
   * Runs `fn` once the clock reads `deadline`. A timer can fire a millisecond or two early by the
   * wall clock (libuv counts from the loop's cached time), and a timeout must never come out
   * shorter than asked in finishedAt − startedAt: an early firing waits out the rest.
   */
  #at(deadline: number, fn: () => void): void {
    this.#after(Math.max(0, deadline - this.#options.clock.now()), () =>
      this.#options.clock.now() >= deadline ? fn() : this.#at(deadline, fn),
    )
  }

  #after(ms: number, fn: () => void): void {
    const handle = this.#options.clock.setTimeout(() => {
      this.#timers?.delete(handle)
      fn()
    }, ms)
    this.#timers ??= new Set()
    this.#timers.add(handle)
  }

  #settle(outcome: Outcome): void {
    if (this.#outcome) {
      this.#options.onLateSettle(this.job.id)
      return
    }
    this.#outcome = outcome
    this.#settledAt = this.#options.clock.now()
    if (this.#timers) for (const handle of this.#timers) this.#options.clock.clearTimeout(handle)
    this.#timers = null
    this.#options.onSettled(this, outcome)
    if (this.#waiters) for (const resolve of this.#waiters) resolve(outcome)
    this.#waiters = null
  }
}

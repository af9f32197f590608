import type { Clock, TimerHandle } from '../clock.ts'
import type { JobRecord } from '../store/store.ts'
import type { AnyJobType, JobContext } from './define.ts'
import { CancelledError, coerceError, ShutdownError, TimeoutError } from './errors.ts'

/** How one attempt ended, decided by the engine from the abort reason, never by the handler alone. */
export type Outcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: Error & { code?: string } }
  | { kind: 'timed_out'; forced: boolean; error: TimeoutError }
  | { kind: 'cancelled'; forced: boolean }
  | { kind: 'interrupted'; forced: boolean }

export interface ExecutionOptions {
  clock: Clock
  /** Grace after a timeout abort before the run is declared over (forced). */
  graceMs: number
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
  readonly outcome: Promise<Outcome>
  readonly #abort = new AbortController()
  readonly #stop = new AbortController()
  readonly #options: ExecutionOptions
  readonly #timers = new Set<TimerHandle>()
  #resolve!: (outcome: Outcome) => void
  #settled = false
  #settledAt: number | null = null
  #cancelMode: 'immediate' | 'graceful' | null = null

  constructor(job: JobRecord, options: ExecutionOptions) {
    this.job = job
    this.#options = options
    this.outcome = new Promise((resolve) => {
      this.#resolve = resolve
    })
  }

  get signal(): AbortSignal {
    return this.#abort.signal
  }

  get stopSignal(): AbortSignal {
    return this.#stop.signal
  }

  get isSettled(): boolean {
    return this.#settled
  }

  /** When the outcome was decided: the job's `finishedAt`, however long storing it takes. */
  get settledAt(): number | null {
    return this.#settledAt
  }

  get cancelMode(): 'immediate' | 'graceful' | null {
    return this.#cancelMode
  }

  /** Runs the handler; `timeoutMs` counts from now (SPEC §3: the clock starts at `running`). */
  start(type: AnyJobType, params: unknown, ctx: JobContext, timeoutMs: number | null): void {
    if (timeoutMs !== null) {
      // Counted from the stored startedAt, not from now: the claim batch and the setup of the
      // handler must not stretch the timeout a client reads back (finishedAt − startedAt).
      const elapsed = this.job.startedAt === null ? 0 : this.#options.clock.now() - this.job.startedAt
      this.#after(Math.max(0, timeoutMs - elapsed), () =>
        this.#abortWith(new TimeoutError(this.job.id, timeoutMs), this.#options.graceMs),
      )
    }
    // A handler that throws synchronously is treated like one that rejects.
    Promise.resolve()
      .then(() => type.run(params, ctx))
      .then(
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
    if (this.#settled || this.#cancelMode === 'immediate') return
    if (mode === 'graceful') {
      if (this.#cancelMode === 'graceful') return
      this.#cancelMode = 'graceful'
      this.#stop.abort(new CancelledError(this.job.id, reason ?? undefined))
      this.#after(graceMs, () => this.cancel('immediate', graceMs, reason))
      return
    }
    this.#cancelMode = 'immediate'
    this.#abortWith(new CancelledError(this.job.id, reason ?? undefined), graceMs)
  }

  /** Shutdown, first step: ask the handler to finish its unit of work. */
  requestStop(): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(new ShutdownError(this.job.id))
  }

  /** Shutdown, second step: abort with a ShutdownError; forced as interrupted after `graceMs`. */
  interrupt(graceMs: number): void {
    this.#abortWith(new ShutdownError(this.job.id), graceMs)
  }

  /** Last step of shutdown: stop waiting for the handler. */
  forceNow(): void {
    if (this.#settled) return
    this.#settle(this.#fromAbort(true) ?? { kind: 'interrupted', forced: true })
  }

  #abortWith(reason: Error, graceMs: number): void {
    if (this.#settled || this.#abort.signal.aborted) return
    this.#abort.abort(reason)
    this.#after(graceMs, () => this.forceNow())
  }

  #fromAbort(forced: boolean): Outcome | undefined {
    if (!this.#abort.signal.aborted) return undefined
    const reason: unknown = this.#abort.signal.reason
    if (reason instanceof TimeoutError) return { kind: 'timed_out', forced, error: reason }
    if (reason instanceof CancelledError) return { kind: 'cancelled', forced }
    // SPEC §3: a run already told to cancel that shutdown cuts short is cancelled, never retried.
    if (this.#cancelMode !== null) return { kind: 'cancelled', forced }
    return { kind: 'interrupted', forced }
  }

  #after(ms: number, fn: () => void): void {
    const handle = this.#options.clock.setTimeout(() => {
      this.#timers.delete(handle)
      fn()
    }, ms)
    this.#timers.add(handle)
  }

  #settle(outcome: Outcome): void {
    if (this.#settled) {
      this.#options.onLateSettle(this.job.id)
      return
    }
    this.#settled = true
    this.#settledAt = this.#options.clock.now()
    for (const handle of this.#timers) this.#options.clock.clearTimeout(handle)
    this.#timers.clear()
    this.#resolve(outcome)
  }
}

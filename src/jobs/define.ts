import type { z } from 'zod'

type LogFn = {
  (msg: string): void
  (fields: Record<string, unknown>, msg?: string): void
}

/** pino-style logger handed to handlers; each line also lands in the job's own bounded log. */
export interface JobLogger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

export interface JobContext {
  readonly jobId: string
  /** Counts from 1; a retry runs with the next number. */
  readonly attempt: number
  /** Aborts on cancel, timeout or shutdown; `reason` is a CancelledError | TimeoutError | ShutdownError. */
  readonly signal: AbortSignal
  /** Fires on graceful cancel/stop: finish the current unit of work, then return normally. */
  readonly stopSignal: AbortSignal
  readonly log: JobLogger
  /** Records progress (percent is clamped to 0..100); cheap to call often, writes are coalesced. */
  progress(percent: number, message?: string): void
  /** Resolves after `ms`, rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number): Promise<void>
}

export interface JobType<P extends z.ZodType = z.ZodType, R = unknown> {
  readonly name: string
  readonly description: string
  readonly params: P
  /** Default timeout when a job gives none (capped by config). */
  readonly timeoutMs?: number
  /** At most this many jobs of the type run at once in one process. */
  readonly concurrency?: number
  /**
   * `worker`: each run executes in a worker thread of a bounded pool, so CPU-bound code neither
   * blocks the service nor escapes a cancel: a run that does not settle within its grace after
   * the abort is ended by terminating its thread (SPEC §9). The type must then be loaded from a
   * module (by path), which the worker imports. Default `none`: runs on the main event loop.
   */
  readonly isolation?: JobIsolation
  run(params: z.output<P>, ctx: JobContext): Promise<R>
}

export type JobIsolation = 'none' | 'worker'

export const defineJobType = <P extends z.ZodType, R>(type: JobType<P, R>): JobType<P, R> => type

/** A registered type with its parameter types erased, as the engine stores it. */
export type AnyJobType = JobType<z.ZodType, unknown> & {
  // biome-ignore lint/suspicious/noExplicitAny: the registry holds types of every param shape
  run(params: any, ctx: JobContext): Promise<unknown>
  /**
   * Engine-internal, never part of a user's type: called once when the engine stops waiting for
   * the run of `jobId` (its grace expired: the forced path), for a handler that can be ended from
   * outside — a worker-isolated run, whose thread is terminated.
   */
  abandon?(jobId: string): void
}

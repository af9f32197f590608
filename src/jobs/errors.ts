/** Every error the engine produces carries a stable `code`; tests and the HTTP edge match on it, not on text. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/**
 * An abort reason: made by the engine's own timers and requests, never thrown from the handler,
 * so its stack would show only engine frames. It is built without one: capturing it was 1.3 % of
 * the server's time in the P10 soak, where a cancel or a timeout ends every tenth job.
 */
abstract class AbortReason extends JobError {
  constructor(message: string, code: string) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(message, code)
    } finally {
      Error.stackTraceLimit = limit
    }
  }
}

/** `ctx.signal.reason` when a client cancelled the job. */
export class CancelledError extends AbortReason {
  constructor(
    readonly jobId: string,
    readonly reason?: string,
  ) {
    super(`job ${jobId} was cancelled${reason ? `: ${reason}` : ''}`, 'cancelled')
  }
}

/** `ctx.signal.reason` when the job ran past its `timeoutMs`. */
export class TimeoutError extends AbortReason {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(`job ${jobId} exceeded its ${timeoutMs} ms timeout`, 'timed_out')
  }
}

/** `ctx.signal.reason` when the service shuts down past its grace. */
export class ShutdownError extends AbortReason {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was interrupted by shutdown`, 'interrupted')
  }
}

export class JobNotFoundError extends JobError {
  constructor(
    readonly jobId: string,
    message = `job ${jobId} does not exist`,
  ) {
    super(message, 'job_not_found')
  }
}

/** The job is already terminal (cancel) or still active (delete); carries the job as it is now. */
export class JobStateConflictError<J = unknown> extends JobError {
  constructor(
    message: string,
    readonly job: J,
  ) {
    super(message, 'job_state_conflict')
  }
}

/** One input field is wrong in a way only the engine can tell (unknown type, params of a type, ids). */
export class InvalidJobInputError extends JobError {
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '), 'invalid_input')
  }
}

/** Same Idempotency-Key, different request body. */
export class IdempotencyConflictError extends JobError {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was used with a different request body`, 'idempotency_conflict')
  }
}

/** New work is refused: the service is draining or its queue is full. */
export class UnavailableError extends JobError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 'unavailable')
  }
}

/** A `command` job's process exited non-zero, or an `http` job got an unexpected status. */
export class JobFailedError extends JobError {}

/**
 * Turns anything a handler threw (a string, an object, undefined) into an Error, so the
 * stored `error` is always `{ name, message, code? }` (graphile's coerceError).
 */
export function coerceError(thrown: unknown): Error & { code?: string } {
  if (thrown instanceof Error) return thrown
  let message: string
  try {
    message = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown))
  } catch {
    message = String(thrown)
  }
  return new JobError(`non-Error thrown: ${message}`.slice(0, 2000), 'non_error_thrown', { cause: thrown })
}

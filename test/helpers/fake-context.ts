import { setTimeout as delay } from 'node:timers/promises'
import type { JobContext, JobLogger } from '../../src/jobs/define.ts'
import { CancelledError } from '../../src/jobs/errors.ts'

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  fields: Record<string, unknown>
  msg: string | undefined
}

export interface FakeContext {
  ctx: JobContext
  /** Every log call, in order. */
  lines: LogLine[]
  progress: { percent: number; message: string | undefined }[]
  /** Aborts `ctx.signal`; the reason defaults to a CancelledError, as the engine's cancel does. */
  abort(reason?: unknown): void
  /** Fires `ctx.stopSignal` (graceful stop). */
  stop(): void
}

/** A JobContext with real AbortControllers and recording log/progress, for calling `run()` directly. */
export function createFakeContext(jobId = 'job-test'): FakeContext {
  const controller = new AbortController()
  const stopController = new AbortController()
  const lines: LogLine[] = []
  const progress: FakeContext['progress'] = []
  const record =
    (level: LogLine['level']) =>
    (fieldsOrMsg: Record<string, unknown> | string, msg?: string): void => {
      if (typeof fieldsOrMsg === 'string') lines.push({ level, fields: {}, msg: fieldsOrMsg })
      else lines.push({ level, fields: fieldsOrMsg, msg })
    }
  const log: JobLogger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  }
  const { signal } = controller
  const ctx: JobContext = {
    jobId,
    attempt: 1,
    signal,
    stopSignal: stopController.signal,
    log,
    progress: (percent, message) => progress.push({ percent, message }),
    // Node rejects with an AbortError whose cause is the reason; handlers must see the reason itself.
    sleep: (ms) =>
      delay(ms, undefined, { signal }).catch((err: unknown) => {
        throw signal.aborted ? signal.reason : err
      }),
  }
  return {
    ctx,
    lines,
    progress,
    abort: (reason = new CancelledError(jobId, 'test')) => controller.abort(reason),
    stop: () => stopController.abort(),
  }
}

/** Polls until `predicate` holds; never a bare sleep in a test. */
export async function waitFor(predicate: () => boolean, { timeoutMs = 5000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(5)
  }
}

/** Resolves once a log line with exactly this message was recorded. */
export const waitForLine = (fake: FakeContext, msg: string, timeoutMs?: number) =>
  waitFor(() => fake.lines.some((l) => l.msg === msg), { timeoutMs, what: `log line "${msg}"` })

/** Resolves to what `promise` rejected with; throws if it fulfilled. */
export const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (err: unknown) => err,
  )

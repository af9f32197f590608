import { abortableSleep } from '../abortable-sleep.ts'
import type { JobContext, JobLogger } from '../define.ts'
import { type ControlMessage, fromReasonRecord, type LogLevel, type RunReport } from './messages.ts'

/** Posts one report about this run to the main thread; returns why not when it cannot be cloned. */
export type Report = (report: RunReport) => string | null

/**
 * SPEC §7's `ctx` inside a worker thread. `signal` and `stopSignal` are aborted by control
 * messages from the main thread (which decides the outcome; these only tell the handler);
 * `log` and `progress` are posted back, where the job's real context records them.
 */
export class WorkerJobContext implements JobContext {
  readonly jobId: string
  readonly attempt: number
  readonly log: JobLogger
  readonly #report: Report
  readonly #abort = new AbortController()
  readonly #stop = new AbortController()

  constructor(jobId: string, attempt: number, report: Report) {
    this.jobId = jobId
    this.attempt = attempt
    this.#report = report
    this.log = {
      debug: (first: string | Record<string, unknown>, msg?: string) => this.#log('debug', first, msg),
      info: (first: string | Record<string, unknown>, msg?: string) => this.#log('info', first, msg),
      warn: (first: string | Record<string, unknown>, msg?: string) => this.#log('warn', first, msg),
      error: (first: string | Record<string, unknown>, msg?: string) => this.#log('error', first, msg),
    }
  }

  get signal(): AbortSignal {
    return this.#abort.signal
  }

  get stopSignal(): AbortSignal {
    return this.#stop.signal
  }

  /** A control message from the main thread, for this run. */
  control(message: ControlMessage): void {
    const target = message.kind === 'abort' ? this.#abort : this.#stop
    if (!target.signal.aborted) target.abort(fromReasonRecord(message.reason))
  }

  progress(percent: number, message?: string): void {
    this.#report({
      kind: 'progress',
      percent: Number(percent),
      message: message === undefined ? undefined : String(message),
    })
  }

  sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.signal)
  }

  #log(level: LogLevel, first: string | Record<string, unknown>, msg?: string): void {
    if (typeof first === 'string') {
      this.#report({ kind: 'log', level, msg: first, fields: undefined })
      return
    }
    // Fields that cannot cross (a function, a socket) are dropped; the line itself still counts.
    if (this.#report({ kind: 'log', level, msg, fields: first }) !== null) {
      this.#report({ kind: 'log', level, msg, fields: { fields: '[not cloneable]' } })
    }
  }
}

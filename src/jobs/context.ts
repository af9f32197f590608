import type { Logger } from 'pino'
import type { LogLine } from '../model/job.ts'
import { redactFields, redactText } from '../redact.ts'
import { abortableSleep } from './abortable-sleep.ts'
import type { JobContext, JobLogger } from './define.ts'

/** Longest message kept in a job's own log; the pino line keeps the full fields. */
const MAX_LOG_MSG = 4096

/** What every running job's context reaches through: one per runner, shared by all jobs. */
export interface ContextHost {
  /** Parent of the per-job pino child, which is made on a job's first log line. */
  readonly logger: Logger
  appendLog(jobId: string, level: LogLine['level'], msg: string): void
  progress(jobId: string, percent: number, message?: string): void
}

/** The part of an execution a context exposes: its two signals. */
export interface SignalSource {
  readonly signal: AbortSignal
  readonly stopSignal: AbortSignal
}

type Level = LogLine['level']

function describeFields(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v) =>
      v instanceof Error ? { name: v.name, message: redactText(v.message) } : v,
    )
  } catch {
    return '[unserializable fields]'
  }
}

/**
 * SPEC §7's handler context. A class, with the logger, the pino child and the stop signal made on
 * first use: a sleeping job holds a handful of fields instead of a dozen closures (bench P6:
 * memory per in-flight job). Its methods use `this`, as pino's do.
 */
export class RunningJobContext implements JobContext {
  readonly jobId: string
  readonly attempt: number
  readonly #type: string
  readonly #exec: SignalSource
  readonly #host: ContextHost
  #log: JobLog | null = null

  constructor(jobId: string, type: string, attempt: number, exec: SignalSource, host: ContextHost) {
    this.jobId = jobId
    this.#type = type
    this.attempt = attempt
    this.#exec = exec
    this.#host = host
  }

  get signal(): AbortSignal {
    return this.#exec.signal
  }

  get stopSignal(): AbortSignal {
    return this.#exec.stopSignal
  }

  get log(): JobLogger {
    this.#log ??= new JobLog(this.#host, this.jobId, this.#type, this.attempt)
    return this.#log
  }

  progress(percent: number, message?: string): void {
    const clamped = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0
    this.#host.progress(
      this.jobId,
      clamped,
      message === undefined ? undefined : String(message).slice(0, 500),
    )
  }

  /** See abortableSleep: a timer, a listener and a promise (P6). */
  sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.signal)
  }
}

/** Each line goes to pino (with jobId, jobType, attempt) and to the job's own bounded log. */
class JobLog implements JobLogger {
  readonly #host: ContextHost
  readonly #jobId: string
  readonly #bindings: { jobId: string; jobType: string; attempt: number }
  #pino: Logger | null = null

  constructor(host: ContextHost, jobId: string, jobType: string, attempt: number) {
    this.#host = host
    this.#jobId = jobId
    this.#bindings = { jobId, jobType, attempt }
  }

  debug(first: string | Record<string, unknown>, msg?: string): void {
    this.#write('debug', first, msg)
  }

  info(first: string | Record<string, unknown>, msg?: string): void {
    this.#write('info', first, msg)
  }

  warn(first: string | Record<string, unknown>, msg?: string): void {
    this.#write('warn', first, msg)
  }

  error(first: string | Record<string, unknown>, msg?: string): void {
    this.#write('error', first, msg)
  }

  // SPEC §8: a job's log is redacted as it is written, so neither the stored lines nor the
  // service log hold a secret a handler (or a command's output) printed.
  #write(level: Level, first: string | Record<string, unknown>, msg?: string): void {
    this.#pino ??= this.#host.logger.child(this.#bindings)
    if (typeof first === 'string') {
      const text = redactText(first)
      this.#pino[level](text)
      this.#host.appendLog(this.#jobId, level, text.slice(0, MAX_LOG_MSG))
      return
    }
    const fields = redactFields(first)
    const message = msg === undefined ? undefined : redactText(msg)
    this.#pino[level](fields, message)
    const hasFields = Object.keys(fields).length > 0
    const text = [message, hasFields ? describeFields(fields) : undefined].filter(Boolean).join(' ')
    this.#host.appendLog(this.#jobId, level, text.slice(0, MAX_LOG_MSG))
  }
}

import { setTimeout as delay } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { LogLine } from '../store/store.ts'
import type { JobContext, JobLogger } from './define.ts'

/** Longest message kept in a job's own log; the pino line keeps the full fields. */
const MAX_LOG_MSG = 4096

export interface ContextDeps {
  jobId: string
  attempt: number
  signal: AbortSignal
  stopSignal: AbortSignal
  logger: Logger
  appendLog(level: LogLine['level'], msg: string): void
  progress(percent: number, message?: string): void
}

function describeFields(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v))
  } catch {
    return '[unserializable fields]'
  }
}

function createJobLogger(deps: ContextDeps): JobLogger {
  const make =
    (level: LogLine['level']) =>
    (first: string | Record<string, unknown>, msg?: string): void => {
      if (typeof first === 'string') {
        deps.logger[level](first)
        deps.appendLog(level, first.slice(0, MAX_LOG_MSG))
        return
      }
      deps.logger[level](first, msg)
      const hasFields = Object.keys(first).length > 0
      const text = [msg, hasFields ? describeFields(first) : undefined].filter(Boolean).join(' ')
      deps.appendLog(level, text.slice(0, MAX_LOG_MSG))
    }
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') } as JobLogger
}

export function createContext(deps: ContextDeps): JobContext {
  const { signal } = deps
  return {
    jobId: deps.jobId,
    attempt: deps.attempt,
    signal,
    stopSignal: deps.stopSignal,
    log: createJobLogger(deps),
    progress: (percent, message) => {
      const clamped = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0
      deps.progress(clamped, message === undefined ? undefined : String(message).slice(0, 500))
    },
    async sleep(ms) {
      try {
        await delay(ms, undefined, { signal })
      } catch (err) {
        // node's AbortError wraps our reason; handlers should see CancelledError/TimeoutError/ShutdownError.
        throw signal.aborted ? signal.reason : err
      }
    },
  }
}

import type { MessagePort } from 'node:worker_threads'
import { CancelledError, ShutdownError, TimeoutError } from '../errors.ts'

/**
 * The protocol between the main thread and the worker threads (SPEC §9). Everything here crosses
 * a MessagePort, so it is made of structured-clone data only: errors travel as plain
 * `{ name, message, code }` records and abort reasons as their kind, rebuilt on the other side
 * from that side's own error classes (so `err instanceof CancelledError` holds in the worker).
 *
 * No channel is made per run (that cost a third of a noop's round trip): the task goes through
 * piscina, and each thread hands the main thread one port of its own when it starts. On it, runs
 * report back (tagged with their job id, in order: started, logs and progress, then the result)
 * and aborts go to the thread. Piscina's own reply carries nothing: it travels on another port,
 * so it may arrive before a run's last report.
 */

/** What the pool posts to a worker for one run. */
export interface WorkerTask {
  /** File URL of the module whose default export holds the type. */
  module: string
  typeName: string
  /** Already parsed by the type's zod schema on the main thread. */
  params: unknown
  jobId: string
  attempt: number
}

/** An Error as a plain record (its class does not cross the thread boundary; name and code do). */
export interface ErrorRecord {
  name: string
  message: string
  code?: string
  stack?: string
}

/** Why `signal` or `stopSignal` fired, rebuilt in the worker as the matching error class. */
export type ReasonRecord =
  | { kind: 'cancelled'; jobId: string; reason?: string }
  | { kind: 'timed_out'; jobId: string; timeoutMs: number }
  | { kind: 'shutdown'; jobId: string }

/** Main → worker, on the thread's port. */
export interface ControlMessage {
  jobId: string
  kind: 'abort' | 'stop'
  reason: ReasonRecord
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** Worker → main about one run, on the thread's port: `started` first, one `result` or `error` last. */
export type RunMessage = { jobId: string } & (
  | { kind: 'started'; threadId: number }
  | { kind: 'log'; level: LogLevel; msg: string | undefined; fields: Record<string, unknown> | undefined }
  | { kind: 'progress'; percent: number; message: string | undefined }
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: ErrorRecord }
)

/** Worker → main once, on parentPort, when the thread starts: its end of the thread's port. */
export interface ThreadPortMessage {
  kind: 'thread-port'
  threadId: number
  port: MessagePort
}

/** A RunMessage without its job id, as a run's context writes it (Omit applied to each member). */
export type RunReport = DistributiveOmit<RunMessage, 'jobId'>
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export function toErrorRecord(err: unknown): ErrorRecord {
  if (!(err instanceof Error)) return { name: 'Error', message: describeThrown(err) }
  const record: ErrorRecord = { name: String(err.name), message: String(err.message) }
  const { code } = err as { code?: unknown }
  if (typeof code === 'string') record.code = code
  if (typeof err.stack === 'string') record.stack = err.stack
  return record
}

function describeThrown(thrown: unknown): string {
  try {
    return `non-Error thrown: ${typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown))}`
  } catch {
    return `non-Error thrown: ${String(thrown)}`
  }
}

/** An error raised in a worker, as the main thread sees it: the original name, message and code. */
export class WorkerRunError extends Error {
  readonly code?: string

  constructor(record: ErrorRecord) {
    super(record.message)
    this.name = record.name
    if (record.code !== undefined) this.code = record.code
    // The worker's stack, so the service log points at the handler's own line.
    if (record.stack !== undefined) this.stack = record.stack
  }
}

export function toReasonRecord(reason: unknown, jobId: string): ReasonRecord {
  if (reason instanceof TimeoutError) return { kind: 'timed_out', jobId, timeoutMs: reason.timeoutMs }
  if (reason instanceof CancelledError) {
    return reason.reason === undefined
      ? { kind: 'cancelled', jobId }
      : { kind: 'cancelled', jobId, reason: reason.reason }
  }
  return { kind: 'shutdown', jobId }
}

export function fromReasonRecord(record: ReasonRecord): Error {
  switch (record.kind) {
    case 'cancelled':
      return new CancelledError(record.jobId, record.reason)
    case 'timed_out':
      return new TimeoutError(record.jobId, record.timeoutMs)
    case 'shutdown':
      return new ShutdownError(record.jobId)
  }
}

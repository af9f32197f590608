import type { MessagePort } from 'node:worker_threads'
import type { Logger } from 'pino'
import { Piscina } from 'piscina'
import type { JobContext } from '../define.ts'
import {
  type ControlMessage,
  type RunMessage,
  type ThreadPortMessage,
  toReasonRecord,
  WorkerRunError,
  type WorkerTask,
} from './messages.ts'

/** Built: entry.js. From source (tests, `npm run dev`): a bootstrap that loads entry.ts (see there). */
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './source-entry.mjs' : './entry.js', import.meta.url)

export interface WorkerPoolOptions {
  /** Threads, started at once and kept (JOBVISOR_WORKERS). */
  size: number
  logger: Logger
}

/** A run in flight: its context, where its thread is, how to settle it and how to end its thread. */
interface ActiveRun {
  readonly ctx: JobContext
  /** Set by the run's `started` message; until then control messages wait in `pending`. */
  threadId: number | null
  pending: ControlMessage[]
  /** Aborting it makes piscina terminate the run's thread and start a replacement. */
  readonly terminate: AbortController
  readonly onAbort: () => void
  readonly onStop: () => void
  resolve(value: unknown): void
  reject(err: Error): void
}

/**
 * The bounded pool of worker threads behind `isolation: 'worker'` (SPEC §9), on piscina: it
 * keeps `size` threads, queues runs beyond them, and — the reason it was chosen — terminates the
 * one thread running a task whose AbortSignal fires, then replaces it. That signal is ours to fire
 * and fires only from `abandon` (the engine's forced path); a cancel, a timeout or a shutdown
 * reach the handler first as control messages, aborting `ctx.signal` in the worker.
 */
export class WorkerPool {
  readonly size: number
  readonly #pool: Piscina
  readonly #runs = new Map<string, ActiveRun>()
  /** threadId → the port that thread handed over at its start. */
  readonly #threadPorts = new Map<number, MessagePort>()

  constructor({ size, logger }: WorkerPoolOptions) {
    this.size = size
    this.#pool = new Piscina({
      filename: ENTRY.href,
      minThreads: size,
      maxThreads: size,
      // One run per thread: terminating a thread must never end a second, innocent run.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Bounded upstream: the engine never runs more jobs than JOBVISOR_MAX_CONCURRENCY.
      maxQueue: Number.POSITIVE_INFINITY,
      recordTiming: false,
      // Each thread lowers its own CPU priority (entry.ts), not piscina's niceIncrement: that loads
      // a native addon in every thread as it starts, and a thread ended while loading it once
      // took the whole process down with SIGABRT at shutdown.
    })
    this.#pool.on('message', (message: ThreadPortMessage) => {
      if (message.kind === 'thread-port') this.#adopt(message.threadId, message.port)
    })
    this.#pool.on('error', (err: unknown) => logger.error({ err }, 'worker pool error'))
  }

  /** Runs in flight (started on a thread or waiting for one). */
  get activeRuns(): number {
    return this.#runs.size
  }

  /**
   * Runs one job in a thread with `ctx` bridged by messages; settles with the handler's result
   * or error as the worker reports it, or with the pool's error if the thread died.
   */
  run(task: WorkerTask, ctx: JobContext): Promise<unknown> {
    const { jobId } = task
    return new Promise((resolve, reject) => {
      const run: ActiveRun = {
        ctx,
        threadId: null,
        pending: [],
        terminate: new AbortController(),
        onAbort: () =>
          this.#send(run, { jobId, kind: 'abort', reason: toReasonRecord(ctx.signal.reason, jobId) }),
        onStop: () =>
          this.#send(run, { jobId, kind: 'stop', reason: toReasonRecord(ctx.stopSignal.reason, jobId) }),
        resolve,
        reject,
      }
      this.#runs.set(jobId, run)
      if (this.#runs.size === 1) this.#holdPorts(true)
      // Aborts that came before the run reached a thread wait in `pending` for its `started`.
      if (ctx.stopSignal.aborted) run.onStop()
      else ctx.stopSignal.addEventListener('abort', run.onStop, { once: true })
      if (ctx.signal.aborted) run.onAbort()
      else ctx.signal.addEventListener('abort', run.onAbort, { once: true })
      // Piscina's own reply carries nothing: the result or error comes on parentPort, posted
      // before the reply, so a fulfilled task only means "it is on its way". A rejection is the
      // thread dying (or being terminated) before it could report.
      this.#pool.run(task, { signal: run.terminate.signal }).catch((err: unknown) => {
        if (this.#end(jobId) === run) reject(err instanceof Error ? err : new Error(String(err)))
      })
    })
  }

  /**
   * The engine stopped waiting for `jobId` (grace expired after its abort): terminate its thread.
   * Its promise is dropped unsettled — the outcome is decided, a late rejection would only be noise.
   */
  abandon(jobId: string): void {
    const run = this.#end(jobId)
    if (!run) return
    run.ctx.log.warn('worker terminated: the run did not settle within its grace after the abort')
    run.terminate.abort()
  }

  /** Terminates every thread (shutdown, after the engine has drained). */
  async close(): Promise<void> {
    await this.#pool.destroy()
  }

  #adopt(threadId: number, port: MessagePort): void {
    this.#threadPorts.set(threadId, port)
    port.on('message', (message: RunMessage) => {
      const run = this.#runs.get(message.jobId)
      // A run that ended (or was abandoned) may still have messages in flight: dropped.
      if (run) this.#onRunMessage(run, message)
    })
    // The worker's end closes when its thread exits (terminated, crashed or destroyed).
    port.once('close', () => this.#threadPorts.delete(threadId))
    if (this.#runs.size === 0) port.unref()
  }

  /**
   * While a run is in flight its last reports may still be on their way after piscina's reply,
   * which is all that keeps piscina's threads referenced: the ports keep the process alive until
   * then, and not a moment longer (an idle pool must not hold a process open).
   */
  #holdPorts(hold: boolean): void {
    for (const port of this.#threadPorts.values()) hold ? port.ref() : port.unref()
  }

  #onRunMessage(run: ActiveRun, message: RunMessage): void {
    const { ctx } = run
    switch (message.kind) {
      case 'started':
        run.threadId = message.threadId
        for (const control of run.pending.splice(0)) this.#send(run, control)
        return
      case 'log':
        if (message.fields === undefined) ctx.log[message.level](message.msg ?? '')
        else ctx.log[message.level](message.fields, message.msg)
        return
      case 'progress':
        ctx.progress(message.percent, message.message)
        return
      case 'result':
        this.#end(message.jobId)
        run.resolve(message.value)
        return
      case 'error':
        this.#end(message.jobId)
        run.reject(new WorkerRunError(message.error))
        return
    }
  }

  #send(run: ActiveRun, message: ControlMessage): void {
    const port = run.threadId === null ? undefined : this.#threadPorts.get(run.threadId)
    if (port) port.postMessage(message)
    else run.pending.push(message)
  }

  /** Forgets a run (listeners removed); returns it if it was still active. */
  #end(jobId: string): ActiveRun | undefined {
    const run = this.#runs.get(jobId)
    if (!run) return undefined
    this.#runs.delete(jobId)
    if (this.#runs.size === 0) this.#holdPorts(false)
    run.ctx.signal.removeEventListener('abort', run.onAbort)
    run.ctx.stopSignal.removeEventListener('abort', run.onStop)
    return run
  }
}

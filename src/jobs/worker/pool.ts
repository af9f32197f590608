import { MessageChannel } from 'node:worker_threads'
import type { Logger } from 'pino'
import { Piscina } from 'piscina'
import type { JobContext } from '../define.ts'
import {
  type ControlMessage,
  type RunMessage,
  toReasonRecord,
  WorkerRunError,
  type WorkerTask,
} from './messages.ts'

/** Built: entry.js. From source (tests, `npm run dev`): a bootstrap that loads entry.ts (see there). */
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './source-entry.mjs' : './entry.js', import.meta.url)

/** nice(2) step for worker threads: 10 is what `nice` uses by default for background work. */
const WORKER_NICE_INCREMENT = 10

export interface WorkerPoolOptions {
  /** Threads, started at once and kept (JOBVISOR_WORKERS). */
  size: number
  logger: Logger
}

/** What the pool holds for a run in flight, so `abandon` can find its thread. */
interface ActiveRun {
  readonly ctx: JobContext
  /** Aborting it makes piscina terminate the run's thread and start a replacement. */
  readonly terminate: AbortController
  /** Forgets the run without settling it: the engine decided its outcome already. */
  drop(): void
}

/**
 * The bounded pool of worker threads behind `isolation: 'worker'` (SPEC §9), on piscina: it
 * keeps `size` threads, queues runs beyond them, and — the reason it was chosen — terminates the
 * one thread running a task whose AbortSignal fires, then replaces it. That signal is ours to fire
 * and fires only from `abandon` (the engine's forced path); a cancel, a timeout or a shutdown
 * reach the handler first as messages on the run's own port, aborting `ctx.signal` in the worker.
 */
export class WorkerPool {
  readonly size: number
  readonly #pool: Piscina
  readonly #runs = new Map<string, ActiveRun>()

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
      // Linux: lower the threads' CPU priority, so that while runs spin the event loop still gets
      // a core at once — HTTP, timers and every in-process job keep their latency (bench P9).
      niceIncrement: WORKER_NICE_INCREMENT,
    })
    this.#pool.on('error', (err: unknown) => logger.error({ err }, 'worker pool error'))
  }

  /** Threads busy with a run right now. */
  get activeRuns(): number {
    return this.#runs.size
  }

  /**
   * Runs one job in a thread with `ctx` bridged over a MessagePort; settles with the handler's
   * result or error as the worker reports it, or with the pool's error if the thread died.
   */
  run(task: Omit<WorkerTask, 'port'>, ctx: JobContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { port1: port, port2 } = new MessageChannel()
      let settled = false
      let portClosed = false
      let poolDone = false
      const end = (): boolean => {
        if (settled) return false
        settled = true
        ctx.signal.removeEventListener('abort', onAbort)
        ctx.stopSignal.removeEventListener('abort', onStop)
        port.close()
        this.#runs.delete(task.jobId)
        return true
      }
      const fail = (err: Error) => end() && reject(err)
      const noResult = () =>
        fail(new Error(`the worker thread of job type ${task.typeName} ended the run without a result`))
      const send = (message: ControlMessage) => {
        if (!settled) port.postMessage(message)
      }
      const onAbort = () => send({ kind: 'abort', reason: toReasonRecord(ctx.signal.reason, task.jobId) })
      const onStop = () => send({ kind: 'stop', reason: toReasonRecord(ctx.stopSignal.reason, task.jobId) })

      port.on('message', (message: RunMessage) => {
        switch (message.kind) {
          case 'log':
            if (message.fields === undefined) ctx.log[message.level](message.msg ?? '')
            else ctx.log[message.level](message.fields, message.msg)
            return
          case 'progress':
            ctx.progress(message.percent, message.message)
            return
          case 'result':
            if (end()) resolve(message.value)
            return
          case 'error':
            fail(new WorkerRunError(message.error))
            return
        }
      })
      // The worker closes its end after its one result or error; port messages arrive in order,
      // but piscina's own reply travels on another port, so either may be seen first.
      port.on('close', () => {
        portClosed = true
        if (poolDone) noResult()
      })

      const terminate = new AbortController()
      this.#runs.set(task.jobId, { ctx, terminate, drop: () => end() })
      // Aborts that came before the run reached a thread are queued on the port for it.
      if (ctx.stopSignal.aborted) onStop()
      else ctx.stopSignal.addEventListener('abort', onStop, { once: true })
      if (ctx.signal.aborted) onAbort()
      else ctx.signal.addEventListener('abort', onAbort, { once: true })

      this.#pool.run({ ...task, port: port2 }, { transferList: [port2], signal: terminate.signal }).then(
        () => {
          poolDone = true
          if (portClosed) noResult()
        },
        (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
      )
    })
  }

  /**
   * The engine stopped waiting for `jobId` (grace expired after its abort): terminate its thread.
   * Its promise is dropped unsettled — the outcome is decided, a late rejection would only be noise.
   */
  abandon(jobId: string): void {
    const run = this.#runs.get(jobId)
    if (!run) return
    run.drop()
    run.ctx.log.warn('worker terminated: the run did not settle within its grace after the abort')
    run.terminate.abort()
  }

  /** Terminates every thread (shutdown, after the engine has drained). */
  async close(): Promise<void> {
    await this.#pool.destroy()
  }
}

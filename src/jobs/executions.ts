import type { Logger } from 'pino'
import type { CancelInfo, JobRecord } from '../model/job.ts'
import { type ContextHost, RunningJobContext } from './context.ts'
import { JobError } from './errors.ts'
import { Execution, type ExecutionOptions } from './execution.ts'
import type { JobTypeRegistry } from './registry.ts'

export interface ExecutionsOptions {
  registry: JobTypeRegistry
  logger: Logger
  owner: string
  /** Cap on every job's timeout; a job with none gets the cap. null: no cap. */
  maxTimeoutMs: number | null
  /** Shared by every execution and context: nothing per job but the objects themselves (P6). */
  execution: ExecutionOptions
  context: ContextHost
  /** A run begins here: called before its handler's first line (takes the slot, emits job:started). */
  began(job: JobRecord): void
}

/**
 * The attempts this process executes, from the claimed (or directly started) row to the stored
 * outcome, and the early cancel: a cancel that reached the store for a run owned here before its
 * execution was registered is kept and applied before the handler's first line runs.
 */
export class Executions {
  readonly #o: ExecutionsOptions
  readonly #byId = new Map<string, Execution>()
  /** Cancels that reached the store before this process registered the execution they target. */
  readonly #earlyCancels = new Map<string, CancelInfo>()
  #stopping = false

  constructor(options: ExecutionsOptions) {
    this.#o = options
  }

  get size(): number {
    return this.#byId.size
  }

  has(id: string): boolean {
    return this.#byId.has(id)
  }

  get(id: string): Execution | undefined {
    return this.#byId.get(id)
  }

  ids(): string[] {
    return [...this.#byId.keys()]
  }

  all(): Execution[] {
    return [...this.#byId.values()]
  }

  /** Shutdown has begun (requestStop): a run started now gets its stopSignal at once. */
  get stopping(): boolean {
    return this.#stopping
  }

  /** Shutdown: every run here, and every run that starts from now on, gets its stopSignal. */
  requestStop(): void {
    this.#stopping = true
    for (const exec of this.#byId.values()) exec.requestStop()
  }

  start(job: JobRecord): void {
    const exec = new Execution(job, this.#o.execution)
    this.#byId.set(job.id, exec)
    this.#o.began(job)

    const type = this.#o.registry.get(job.type)
    const parsed = type?.params.safeParse(job.params)
    if (!type || !parsed?.success) {
      // The type was unregistered, or changed its params, after the job was stored.
      const message = type
        ? `params no longer valid for type ${job.type}`
        : `job type ${job.type} is not registered`
      exec.failBeforeStart(new JobError(message, 'invalid_job'))
      return
    }
    const ctx = new RunningJobContext(job.id, job.type, job.attempt, exec, this.#o.context)
    // Before the handler's first line runs, as if they had arrived an instant after it started.
    // Claimed by a fill pass that was in flight when the drain began: it gets stopSignal too.
    if (this.#stopping) exec.requestStop()
    const early = this.#earlyCancels.get(job.id)
    if (early) {
      this.#earlyCancels.delete(job.id)
      exec.cancelInfo = early
      exec.cancel(early.mode, early.graceMs, early.reason)
    }
    exec.start(type, parsed.data, ctx, this.#timeoutFor(job, type.timeoutMs))
  }

  /** A job owned here by a claim whose answer was lost (ClaimLoop#adoptOwned): runs it unless it already does. */
  adopt(job: JobRecord): void {
    if (this.#byId.has(job.id)) return
    this.#o.logger.warn({ jobId: job.id }, 'adopted a job claimed by a claim whose answer was lost')
    if (job.state === 'cancelling' && job.cancel) this.#earlyCancels.set(job.id, job.cancel)
    this.start(job)
  }

  /** Tells the local execution (if any) that the stored job is now `cancelling`. */
  applyCancel(job: JobRecord): void {
    const cancel = job.cancel
    if (!cancel) return
    const exec = this.#byId.get(job.id)
    if (exec) {
      exec.cancelInfo = cancel
      exec.cancel(cancel.mode, cancel.graceMs, cancel.reason)
    } else if (job.owner === this.#o.owner) this.#earlyCancels.set(job.id, cancel)
  }

  /** The attempt's outcome is stored (or given up on at shutdown). */
  ended(id: string): void {
    this.#byId.delete(id)
    this.#earlyCancels.delete(id)
  }

  #timeoutFor(job: JobRecord, typeDefault: number | undefined): number | null {
    const wanted = job.timeoutMs ?? typeDefault ?? null
    const cap = this.#o.maxTimeoutMs
    if (cap === null) return wanted
    return wanted === null ? cap : Math.min(wanted, cap)
  }
}

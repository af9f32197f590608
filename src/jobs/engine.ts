import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import { createIdGenerator } from '../ids.ts'
import type { JobRecord, LogLine, NewJob } from '../model/job.ts'
import type { CancelInput, JobInput, ReturnWhen } from '../model/job-input.ts'
import type { JobState } from '../model/job-state.ts'
import type { JobSignal } from '../store/bus.ts'
import type { Idempotency, InsertResult, JobQuery, Store } from '../store/store.ts'
import { cancelJob } from './cancel.ts'
import {
  IdempotencyConflictError,
  InvalidJobInputError,
  JobNotFoundError,
  JobStateConflictError,
  UnavailableError,
} from './errors.ts'
import { createJobEvents, type JobEventBus, type JobEventName } from './events.ts'
import { fingerprint, prepareJob, type RunOrigin } from './job-prepare.ts'
import { QueueRoom } from './queue-room.ts'
import type { JobTypeRegistry } from './registry.ts'
import { JobRelay } from './relay.ts'
import { Runner } from './runner.ts'
import { JobWaiters, type WaitResult, waitForJobs } from './wait.ts'

export interface EngineOptions {
  store: Store
  registry: JobTypeRegistry
  clock: Clock
  logger: Logger
  /** This process's identity in the store's `owner` column (unique per process). */
  owner: string
  /** JOBVISOR_INSTANCE_ID, shown as a job's `instance`. */
  instance: string
  maxConcurrency: number
  graceMs: number
  maxTimeoutMs: number | null
  leaseMs: number
  maxLogLinesPerJob: number
  maxResultBytes: number
  /** Waiting jobs (scheduled + queued) beyond which creates get 503. */
  maxQueued: number
  /** Runs before each recovery of dead owners' runs (ends their command processes here). */
  beforeRecover?: () => Promise<unknown>
  /** Whether something outside the engine (an event stream) wants another instance's job events. */
  remoteEventWanted?: (signal: JobSignal) => boolean
}

/** How stale the queue-depth count may be; a count per create would cost O(queue) each time. */
const QUEUE_DEPTH_TTL_MS = 1000

/**
 * The public face of job control: create, cancel, wait, delete, read. Execution itself is the
 * Runner's; every state change goes through the store's compare-and-set, so several engines may
 * share one database.
 */
export class JobEngine {
  readonly events: JobEventBus
  readonly #o: EngineOptions
  readonly #runner: Runner
  readonly #waiters: JobWaiters
  readonly #newId = createIdGenerator()
  readonly #queueRoom: QueueRoom
  /** Other instances' job events, when the store is shared (SPEC §10). */
  readonly #relay: JobRelay | null = null
  #accepting = false

  constructor(options: EngineOptions) {
    this.#o = options
    this.events = createJobEvents((err) => options.logger.error({ err }, 'job event listener failed'))
    this.#runner = new Runner({ ...options, events: this.events })
    this.#waiters = new JobWaiters(this.events)
    this.#queueRoom = new QueueRoom({
      maxQueued: options.maxQueued,
      countWaiting: () => options.store.jobs.countWaiting(),
      now: () => options.clock.now(),
      ttlMs: QUEUE_DEPTH_TTL_MS,
    })
    const bus = options.store.bus
    if (bus) {
      const runner = this.#runner
      this.#relay = new JobRelay({
        bus,
        store: options.store,
        events: this.events,
        logger: options.logger,
        target: {
          owner: options.owner,
          fill: () => runner.fill(),
          noteDelayed: (runAt) => runner.noteDelayed(runAt),
          applyCancel: (job) => runner.applyCancel(job),
          resync: () => {
            runner.fill()
            void runner.armDelayed()
          },
        },
        // Waits and schedule settling need the record; so may an event stream.
        wants: (signal) =>
          this.#waiters.isWatching(signal[1]) ||
          signal[4] !== null ||
          (options.remoteEventWanted?.(signal) ?? false),
      })
    }
  }

  get registry(): JobTypeRegistry {
    return this.#o.registry
  }

  /** Jobs that at least one open `wait` is watching. */
  get watchedJobCount(): number {
    return this.#waiters.size
  }

  get runningCount(): number {
    return this.#runner.runningCount
  }

  /** Recovers runs that a dead process left behind, then starts claiming. */
  async start(): Promise<void> {
    await this.#runner.recover(this.#o.clock.now())
    this.#relay?.start()
    this.#accepting = true
    this.#runner.start()
  }

  async create(
    input: JobInput,
    idempotencyKey?: string,
    origin?: RunOrigin,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const job = this.#prepare(input, origin)
    const idempotency = idempotencyKey ? { key: idempotencyKey, fingerprint: fingerprint(input) } : undefined
    const room = await this.#queueRoom.reserve(1)
    let result: InsertResult | undefined
    try {
      result = await this.#insert(job, idempotency)
    } finally {
      // Room is kept only for a job now stored waiting: not one started at once, nor a repeat.
      room.settle(result?.outcome === 'created' && !result.started ? 1 : 0)
    }
    return createdOrExisting(result, idempotencyKey)
  }

  /** Stores a new job: running at once when a slot is free (runner's direct start), else waiting. */
  async #insert(job: NewJob, idempotency: Idempotency | undefined): Promise<InsertResult> {
    const start = this.#runner.reserveDirectStart(job)
    if (!start) {
      const result = await this.#runner.whileQueueing(() => this.#o.store.jobs.insert(job, idempotency))
      if (result.outcome === 'created') this.#announce(result.job)
      return result
    }
    let result: InsertResult | undefined
    try {
      result = await this.#o.store.jobs.insert(job, idempotency, start)
    } finally {
      // The slot goes to the job stored running, or back to the queue if the insert failed or
      // found an earlier job with the same key. job:created comes before the runner's job:started.
      const started = result?.outcome === 'created' ? result.started : undefined
      if (started && result) this.#emit('job:created', result.job)
      this.#runner.endDirectStart(job.type, started)
    }
    return result
  }

  /** All-or-nothing: every input is validated before anything is stored. */
  async createMany(inputs: readonly JobInput[]): Promise<JobRecord[]> {
    const prepared: NewJob[] = []
    const issues: { path: string; message: string }[] = []
    inputs.forEach((input, i) => {
      try {
        prepared.push(this.#prepare(input))
      } catch (err) {
        if (!(err instanceof InvalidJobInputError)) throw err
        for (const issue of err.issues)
          issues.push({ path: `jobs.${i}.${issue.path}`, message: issue.message })
      }
    })
    if (issues.length > 0) throw new InvalidJobInputError(issues)
    const room = await this.#queueRoom.reserve(prepared.length)
    let jobs: JobRecord[] = []
    try {
      jobs = await this.#runner.whileQueueing(() => this.#o.store.jobs.insertMany(prepared))
    } finally {
      room.settle(jobs.length)
    }
    for (const job of jobs) this.#announce(job)
    return jobs
  }

  #prepare(input: JobInput, origin?: RunOrigin): NewJob {
    if (!this.#accepting) throw new UnavailableError('the service is not accepting new jobs', 5)
    return prepareJob(input, origin, this.#o.registry, this.#o.clock.now(), this.#newId)
  }

  #announce(job: JobRecord): void {
    this.#emit('job:created', job)
    if (job.state === 'queued') this.#runner.fill()
    else this.#runner.noteDelayed(job.runAt ?? this.#o.clock.now())
  }

  async get(id: string): Promise<JobRecord> {
    const job = await this.#o.store.jobs.get(id)
    if (!job) throw new JobNotFoundError(id)
    return job
  }

  list(query: JobQuery): Promise<JobRecord[]> {
    return this.#o.store.jobs.list(query)
  }

  /** Jobs per state, over the whole store (every instance's jobs). */
  countByState(): Promise<Record<JobState, number>> {
    return this.#o.store.jobs.countByState()
  }

  async logs(id: string, after: number, limit: number): Promise<LogLine[]> {
    await this.#runner.flush()
    const lines = await this.#o.store.jobs.logs(id, after, limit)
    if (lines.length === 0) await this.get(id) // 404 for an unknown job, [] for a quiet one
    return lines
  }

  /**
   * SPEC §3 Cancel. `accepted: false` → it was waiting and is now `cancelled` (200);
   * `accepted: true` → it is executing and now `cancelling` (202).
   */
  async cancel(id: string, input: CancelInput): Promise<{ job: JobRecord; accepted: boolean }> {
    return cancelJob(id, input, {
      store: this.#o.store,
      clock: this.#o.clock,
      graceMs: this.#o.graceMs,
      get: (jobId) => this.get(jobId),
      runner: this.#runner,
      emit: (type, job) => this.#emit(type, job),
    })
  }

  async delete(id: string): Promise<void> {
    const job = await this.get(id)
    const outcome = await this.#o.store.jobs.delete(id)
    if (outcome === 'not_found') throw new JobNotFoundError(id)
    if (outcome === 'active') {
      throw new JobStateConflictError(
        `job ${id} is ${job.state}; cancel it first`,
        (await this.get(id)) ?? job,
      )
    }
    this.#emit('job:deleted', job)
  }

  wait(
    ids: readonly string[],
    options: { timeoutMs: number; returnWhen: ReturnWhen; cancelPending: boolean; signal?: AbortSignal },
  ): Promise<WaitResult> {
    return waitForJobs(ids, options, {
      store: this.#o.store,
      waiters: this.#waiters,
      clock: this.#o.clock,
      pollMs: this.#o.store.exclusive ? null : 1000,
      cancel: (id) => this.cancel(id, { mode: 'immediate', reason: 'cancelled by wait (cancelPending)' }),
    })
  }

  /** New creates get 503 (UnavailableError) from now on; running work is untouched. */
  stopAccepting(): void {
    this.#accepting = false
  }

  /** Stops accepting and claiming; see Runner.drain for the order of signals. */
  async drain(graceMs: number, afterAbortMs = Math.min(500, graceMs)): Promise<void> {
    this.#accepting = false
    await this.#runner.drain(graceMs, afterAbortMs)
    this.#relay?.stop()
  }

  get isAccepting(): boolean {
    return this.#accepting
  }

  #emit(type: JobEventName, job: JobRecord): void {
    this.events.emit('job', { type, job })
  }
}

function createdOrExisting(
  result: InsertResult,
  idempotencyKey?: string,
): { job: JobRecord; created: boolean } {
  if (result.outcome === 'conflict') throw new IdempotencyConflictError(idempotencyKey ?? '')
  return { job: result.job, created: result.outcome === 'created' }
}

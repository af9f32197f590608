import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { JobRecord, NewJob } from '../model/job.ts'
import type { DirectStart, Store } from '../store/store.ts'
import { ClaimLoop } from './claim-loop.ts'
import { DelayedTimer } from './delayed-timer.ts'
import type { JobEventBus, JobEventName } from './events.ts'
import type { Execution, Outcome } from './execution.ts'
import { Executions } from './executions.ts'
import { LeaseKeeper } from './lease-keeper.ts'
import { OutcomeWriter } from './outcome-writer.ts'
import type { JobTypeRegistry } from './registry.ts'
import { Slots } from './slots.ts'
import { JobWriteBuffer } from './write-buffer.ts'

export interface RunnerOptions {
  store: Store
  registry: JobTypeRegistry
  events: JobEventBus
  clock: Clock
  logger: Logger
  owner: string
  /** JOBVISOR_INSTANCE_ID: a job's `instance` names who ran its latest attempt. */
  instance: string
  maxConcurrency: number
  /** Grace after a timeout before the run is forced to `timed_out`. */
  graceMs: number
  /** Cap on every job's timeout; a job with none gets the cap. null: no cap. */
  maxTimeoutMs: number | null
  leaseMs: number
  maxLogLinesPerJob: number
  /** Largest stored result, in bytes of JSON. */
  maxResultBytes: number
  /** Runs before each recovery of dead owners' runs (ends their command processes here). */
  beforeRecover?: () => Promise<unknown>
}

/**
 * Moves jobs from the store into running executions and their outcomes back into the store, by
 * composing the parts that each own one path: ClaimLoop (queued → running, in claim order),
 * Slots (may one more run start now; the create that skips the queue), Executions (the runs here;
 * the early cancel), OutcomeWriter (the outcome, read back only where another writer may have
 * moved the row), DelayedTimer (scheduled → queued) and LeaseKeeper (leases, recovery).
 * Concurrency is "how many attempts run here at once": the store is the queue. A slot is released
 * when the handler settles or its grace expires (forced), never at the abort itself.
 */
export class Runner {
  readonly #o: RunnerOptions
  readonly #running: Executions
  readonly #slots: Slots
  readonly #delayed: DelayedTimer
  readonly #leases: LeaseKeeper
  #unwatchHealth: () => void = () => {}
  readonly #claims: ClaimLoop
  readonly #writes: JobWriteBuffer
  readonly #outcomes: OutcomeWriter

  constructor(options: RunnerOptions) {
    this.#o = options
    this.#slots = new Slots(options.maxConcurrency, options.registry, options.store.exclusive)
    this.#running = new Executions({
      ...options,
      execution: {
        clock: options.clock,
        graceMs: options.graceMs,
        onSettled: (exec, outcome) => this.#settled(exec, outcome),
        onLateSettle: (jobId) =>
          options.logger.warn({ jobId }, 'late result ignored after forced completion'),
      },
      context: {
        logger: options.logger,
        appendLog: (jobId, level, msg) => this.#writes.log({ jobId, time: options.clock.now(), level, msg }),
        progress: (jobId, percent, message) => {
          const progress = message === undefined ? { percent } : { percent, message }
          const exec = this.#running.get(jobId)
          if (exec) exec.lastProgress = progress
          this.#writes.progress(jobId, progress)
        },
      },
      began: (job) => {
        this.#slots.started(job.type)
        this.#emit('job:started', job)
      },
    })
    this.#outcomes = new OutcomeWriter({
      ...options,
      flushLogs: () => this.flush(),
      whileQueueing: (write) => this.whileQueueing(write),
      emit: (type, job) => this.#emit(type, job),
      release: (exec) => this.#release(exec),
      hold: (exec) => this.#slots.started(exec.job.type),
      unhold: (exec) => this.#slots.ended(exec.job.type),
      noteDelayed: (runAt) => this.noteDelayed(runAt),
    })
    this.#delayed = new DelayedTimer({
      ...options,
      whileQueueing: (write) => this.whileQueueing(write),
      promoted: (jobs) => {
        for (const job of jobs) this.#emit('job:queued', job)
        if (jobs.length > 0) this.fill()
      },
    })
    this.#leases = new LeaseKeeper({
      ...options,
      runningIds: () => this.#running.ids(),
      applyCancel: (job) => this.applyCancel(job),
      whileQueueing: (write) => this.whileQueueing(write),
      emit: (type, job) => this.#emit(type, job),
      recovered: () => this.fill(),
    })
    this.#claims = new ClaimLoop({
      ...options,
      slots: this.#slots,
      outcomesInFlight: () => this.#outcomes.inFlight(),
      start: (job) => this.#running.start(job),
      adopt: (job) => this.#running.adopt(job),
    })
    this.#writes = new JobWriteBuffer(
      options.store,
      options.maxLogLinesPerJob,
      options.clock,
      options.logger,
      (job) => this.#emit('job:progress', job),
    )
  }

  /** Writes buffered log lines and progress now. */
  flush(): Promise<void> {
    return this.#writes.flush()
  }

  get runningCount(): number {
    return this.#running.size
  }

  isRunningHere(id: string): boolean {
    return this.#running.has(id)
  }

  start(): void {
    this.#leases.start()
    void this.armDelayed()
    this.#claims.start()
    // SPEC §8: once the store writes again, kept outcomes, the queue and due delayed jobs move on.
    this.#unwatchHealth = this.#o.store.health.onChange((writable) => {
      if (!writable || this.#running.stopping) return
      this.#outcomes.retryNow()
      this.fill()
      void this.armDelayed()
    })
  }

  /** See ClaimLoop#fill. */
  fill(): void {
    this.#claims.fill()
  }

  /** See Slots#whileQueueing. */
  whileQueueing<T>(write: () => Promise<T>): Promise<T> {
    return this.#slots.whileQueueing(write)
  }

  /**
   * For a create: a slot now, if the job may skip the queue — nothing is queued ahead of it (the
   * store is this process's alone) and a slot of its type is free. Its `queued` row would be
   * superseded by `running` at once, so it is stored running in the same write (bench P1).
   * Returns null when the job must queue (its insert then goes through whileQueueing).
   */
  reserveDirectStart(job: NewJob): DirectStart | null {
    if (this.#running.stopping || job.state !== 'queued' || !this.#slots.reserve(job.type)) return null
    const now = this.#o.clock.now()
    return {
      owner: this.#o.owner,
      instance: this.#o.instance,
      startedAt: now,
      leaseUntil: now + this.#o.leaseMs,
    }
  }

  /** Ends a reservation: runs the job stored as running, or gives the slot back (insert failed or found an earlier job). */
  endDirectStart(type: string, started: JobRecord | undefined): void {
    this.#slots.unreserve(type)
    if (started) this.#running.start(started)
    else this.fill()
  }

  /** Tells the local execution (if any) that the stored job is now `cancelling`. */
  applyCancel(job: JobRecord): void {
    this.#running.applyCancel(job)
  }

  /**
   * The attempt is over: its slot goes now, while its outcome is written (the execution stays in
   * #running, its lease kept, until that lands). The outcome is queued first, so a store with one
   * write queue commits it before the claim that follows.
   */
  #settled(exec: Execution, outcome: Outcome): void {
    this.#outcomes.write(exec, outcome)
    this.#slots.settled(exec.job.type)
    this.fill()
  }

  /** The outcome is stored (or given up on at shutdown). */
  #release(exec: Execution): void {
    const { job } = exec
    this.#running.ended(job.id)
    this.#slots.stored(job.type)
    // The slot went back at the settle; a create may take it only now (see Slots#reserve).
    this.fill()
  }

  /** Makes sure the single delayed-job timer fires no later than `runAt`. */
  noteDelayed(runAt: number): void {
    this.#delayed.note(runAt)
  }

  armDelayed(): Promise<void> {
    return this.#delayed.arm()
  }

  /** See LeaseKeeper#recover. */
  recover(now: number): Promise<number> {
    return this.#leases.recover(now)
  }

  /**
   * Shutdown (SPEC §8): stop claiming, fire every `stopSignal`, abort what is left after `graceMs`,
   * and record as interrupted whatever has not settled shortly after that.
   */
  async drain(graceMs: number, afterAbortMs: number): Promise<void> {
    this.#unwatchHealth()
    this.#claims.stop()
    this.#delayed.stop()
    this.#leases.stop()
    this.#running.requestStop()
    await this.#settledWithin(graceMs)
    for (const exec of this.#running.all()) exec.interrupt(afterAbortMs)
    await this.#settledWithin(afterAbortMs + 50)
    for (const exec of this.#running.all()) exec.forceNow()
    await this.#outcomes.drain()
    await this.flush()
  }

  async #settledWithin(ms: number): Promise<void> {
    if (this.#running.size === 0) return
    let timer: TimerHandle | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = this.#o.clock.setTimeout(resolve, ms)
    })
    const all = Promise.allSettled(this.#running.all().map((e) => e.outcome))
    await Promise.race([all, timeout])
    if (timer !== undefined) this.#o.clock.clearTimeout(timer)
  }

  #emit(type: JobEventName, job: JobRecord): void {
    this.#o.events.emit('job', { type, job })
  }
}

import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { CancelInfo, JobRecord, NewJob } from '../model/job.ts'
import { isStorageFault } from '../store/errors.ts'
import type { DirectStart, Store } from '../store/store.ts'
import { type ContextHost, RunningJobContext } from './context.ts'
import { DelayedTimer } from './delayed-timer.ts'
import { JobError } from './errors.ts'
import type { JobEventBus, JobEventName } from './events.ts'
import { Execution, type ExecutionOptions, type Outcome } from './execution.ts'
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

/** Claim in batches: one store round-trip moves many queued jobs to running. */
const CLAIM_BATCH = 256
/**
 * With a store shared by several instances, the claim loop also looks at the queue this often:
 * notifications from the others are the fast path, this the fallback when one was lost.
 */
const SHARED_CLAIM_POLL_MS = 1000
/** After a store error, the claim loop waits this long before trying again. */
const RETRY_AFTER_ERROR_MS = 1000

/**
 * Moves jobs from the store into running executions and their outcomes back into the store.
 * Concurrency is "how many attempts run here at once": the store is the queue. A slot is
 * released when the handler settles or its grace expires (forced), never at the abort itself.
 */
export class Runner {
  readonly #o: RunnerOptions
  readonly #running = new Map<string, Execution>()
  readonly #slots: Slots
  /** Cancels that reached the store before this process registered the execution they target. */
  readonly #earlyCancels = new Map<string, CancelInfo>()
  #filling = false
  #refill = false
  #draining = false
  readonly #delayed: DelayedTimer
  readonly #leases: LeaseKeeper
  #unwatchHealth: () => void = () => {}
  #claimPoll: NodeJS.Timeout | null = null
  /** A claim failed with a storage fault: it may have committed (see #adoptOwned). */
  #claimUncertain = false
  readonly #writes: JobWriteBuffer
  readonly #outcomes: OutcomeWriter
  /** Shared by every execution and context: nothing per job but the objects themselves (P6). */
  readonly #execOptions: ExecutionOptions
  readonly #contextHost: ContextHost

  constructor(options: RunnerOptions) {
    this.#o = options
    this.#slots = new Slots(options.maxConcurrency, options.registry, options.store.exclusive)
    this.#execOptions = {
      clock: options.clock,
      graceMs: options.graceMs,
      onSettled: (exec, outcome) => this.#settled(exec, outcome),
      onLateSettle: (jobId) => options.logger.warn({ jobId }, 'late result ignored after forced completion'),
    }
    this.#contextHost = {
      logger: options.logger,
      appendLog: (jobId, level, msg) => this.#writes.log({ jobId, time: options.clock.now(), level, msg }),
      progress: (jobId, percent, message) => {
        const progress = message === undefined ? { percent } : { percent, message }
        const exec = this.#running.get(jobId)
        if (exec) exec.lastProgress = progress
        this.#writes.progress(jobId, progress)
      },
    }
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
      runningIds: () => [...this.#running.keys()],
      applyCancel: (job) => this.applyCancel(job),
      whileQueueing: (write) => this.whileQueueing(write),
      emit: (type, job) => this.#emit(type, job),
      recovered: () => this.fill(),
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
    this.fill()
    if (!this.#o.store.exclusive && this.#o.maxConcurrency > 0) {
      this.#claimPoll = setInterval(() => this.fill(), SHARED_CLAIM_POLL_MS)
      this.#claimPoll.unref()
    }
    // SPEC §8: once the store writes again, kept outcomes, the queue and due delayed jobs move on.
    this.#unwatchHealth = this.#o.store.health.onChange((writable) => {
      if (!writable || this.#draining) return
      this.#outcomes.retryNow()
      this.fill()
      void this.armDelayed()
    })
  }

  /** Claims queued jobs until the slots are full. Re-entrant calls coalesce into one more pass. */
  fill(): void {
    // Known empty (a store of this process's alone): nothing to claim, skip the transaction.
    if (this.#draining || this.#slots.queueKnownEmpty) return
    if (this.#filling) {
      this.#refill = true
      return
    }
    this.#filling = true
    void this.#fillLoop()
  }

  async #fillLoop(): Promise<void> {
    try {
      do {
        this.#refill = false
        while (!this.#draining && this.#slots.free > 0) {
          if (this.#claimUncertain) await this.#adoptOwned()
          const generation = this.#slots.generation
          const limit = Math.min(CLAIM_BATCH, this.#slots.free)
          const landed = this.#outcomes.inFlight()
          const { rows, restricted } = await this.#claim(limit)
          // The claim overlapped the outcomes of the slots it took (Slots#free); they land first.
          if (landed !== null) await landed
          for (const row of rows) this.#startOne(row)
          if (rows.length === 0) {
            this.#slots.claimedNothing(generation, restricted)
            break
          }
          // Only jobs of types at their limit are queued, and this claim took the room they had:
          // one more would walk the whole queue past them to find nothing (bench P9: one per job).
          if (rows.length < limit && this.#slots.queueOnlyHeldBack) break
        }
      } while (this.#refill && !this.#draining)
    } catch (err) {
      // The claim may have committed with its answer lost (the connection died after the commit).
      if (isStorageFault(err)) this.#claimUncertain = true
      this.#o.logger.error({ err }, 'claiming jobs failed')
      this.#o.clock.setTimeout(() => this.fill(), RETRY_AFTER_ERROR_MS)
    } finally {
      // In the same synchronous step as the last #refill check: a fill() coming after it starts a
      // new loop instead of setting a #refill nobody reads (a `.finally` callback would run later).
      this.#filling = false
    }
  }

  /**
   * After a claim that failed with a storage fault, the rows it may have moved to running, owned
   * here, are started (they are this process's, and nobody else runs them); without this they
   * would wait out the lease before another instance recovered them as interrupted.
   */
  async #adoptOwned(): Promise<void> {
    const owned = await this.#o.store.jobs.owned(this.#o.owner)
    this.#claimUncertain = false
    for (const job of owned) {
      if (this.#running.has(job.id)) continue
      this.#o.logger.warn({ jobId: job.id }, 'adopted a job claimed by a claim whose answer was lost')
      if (job.state === 'cancelling' && job.cancel) this.#earlyCancels.set(job.id, job.cancel)
      this.#startOne(job)
    }
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
    if (this.#draining || job.state !== 'queued' || !this.#slots.reserve(job.type)) return null
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
    if (started) this.#startOne(started)
    else this.fill()
  }

  async #claim(limit: number): Promise<{ rows: JobRecord[]; restricted: boolean }> {
    const { excludeTypes, typeRoom } = this.#slots.typeRoom()
    const now = this.#o.clock.now()
    const rows = await this.#o.store.jobs.claim(this.#o.owner, now, {
      instance: this.#o.instance,
      limit,
      leaseUntil: now + this.#o.leaseMs,
      excludeTypes,
      typeRoom,
    })
    return { rows, restricted: excludeTypes.length > 0 }
  }

  #startOne(job: JobRecord): void {
    const exec = new Execution(job, this.#execOptions)
    this.#running.set(job.id, exec)
    this.#slots.started(job.type)
    this.#emit('job:started', job)

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
    const ctx = new RunningJobContext(job.id, job.type, job.attempt, exec, this.#contextHost)
    // Before the handler's first line runs, as if they had arrived an instant after it started.
    // Claimed by a fill pass that was in flight when the drain began: it gets stopSignal too.
    if (this.#draining) exec.requestStop()
    const early = this.#earlyCancels.get(job.id)
    if (early) {
      this.#earlyCancels.delete(job.id)
      exec.cancelInfo = early
      exec.cancel(early.mode, early.graceMs, early.reason)
    }
    exec.start(type, parsed.data, ctx, this.#timeoutFor(job, type.timeoutMs))
  }

  #timeoutFor(job: JobRecord, typeDefault: number | undefined): number | null {
    const wanted = job.timeoutMs ?? typeDefault ?? null
    const cap = this.#o.maxTimeoutMs
    if (cap === null) return wanted
    return wanted === null ? cap : Math.min(wanted, cap)
  }

  /** Tells the local execution (if any) that the stored job is now `cancelling`. */
  applyCancel(job: JobRecord): void {
    const cancel = job.cancel
    if (!cancel) return
    const exec = this.#running.get(job.id)
    if (exec) {
      exec.cancelInfo = cancel
      exec.cancel(cancel.mode, cancel.graceMs, cancel.reason)
    } else if (job.owner === this.#o.owner) this.#earlyCancels.set(job.id, cancel)
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
    this.#running.delete(job.id)
    this.#slots.stored(job.type)
    this.#earlyCancels.delete(job.id)
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
    this.#draining = true
    this.#unwatchHealth()
    if (this.#claimPoll !== null) clearInterval(this.#claimPoll)
    this.#delayed.stop()
    this.#leases.stop()
    const executions = [...this.#running.values()]
    for (const exec of executions) exec.requestStop()
    await this.#settledWithin(graceMs)
    for (const exec of this.#running.values()) exec.interrupt(afterAbortMs)
    await this.#settledWithin(afterAbortMs + 50)
    for (const exec of this.#running.values()) exec.forceNow()
    await this.#outcomes.drain()
    await this.flush()
  }

  async #settledWithin(ms: number): Promise<void> {
    if (this.#running.size === 0) return
    let timer: TimerHandle | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = this.#o.clock.setTimeout(resolve, ms)
    })
    const all = Promise.allSettled([...this.#running.values()].map((e) => e.outcome))
    await Promise.race([all, timeout])
    if (timer !== undefined) this.#o.clock.clearTimeout(timer)
  }

  #emit(type: JobEventName, job: JobRecord): void {
    this.#o.events.emit('job', { type, job })
  }
}

import type { JobPatch, JobRecord, LogLine, NewJob, NewLogLine } from '../../model/job.ts'
import { isTerminal, type JobState } from '../../model/job-state.ts'
import type { ClaimOptions, DirectStart, Idempotency, InsertResult, JobQuery, JobStore } from '../store.ts'
import type { SqliteConnection } from './connection.ts'
import { claimNow, promoteDueNow } from './job-claim.ts'
import { countJobsByState, TerminalCounts } from './job-counts.ts'
import { insertJobNow, insertOrFindNow } from './job-insert.ts'
import { heartbeatNow, ownedJobs, recoverInterruptedNow } from './job-lease.ts'
import { listJobs } from './job-list.ts'
import { appendLogsNow, jobLogs } from './job-logs.ts'
import { setProgressNow } from './job-progress.ts'
import { cancelAndProgress, getJob, getJobs, nextDueAt, type Stmt } from './job-read.ts'
import { countWaitingJobs, deleteFinishedNow, deleteJobNow } from './job-retention.ts'
import { transitionNow } from './job-transition.ts'
import type { WriteQueue } from './write-queue.ts'

/**
 * Jobs in SQLite, one file per operation (as the PostgreSQL adapter). Every write goes through
 * the write queue: one transaction per event-loop turn, so a fault fails the whole batch (SPEC §8)
 * and ordering between writes of one turn is the order they were queued in. Reads run at once.
 */
export class SqliteJobStore implements JobStore {
  readonly #stmt: Stmt
  readonly #writes: WriteQueue
  readonly #insertManyTx: (jobs: readonly NewJob[]) => JobRecord[]
  readonly #claimTx: (owner: string, now: number, options: ClaimOptions) => JobRecord[]
  readonly #appendLogsTx: (lines: readonly NewLogLine[], maxPerJob: number) => void
  readonly #counts = new TerminalCounts()

  /** `writes` batches single-row writes per event-loop turn (shared with the schedule store). */
  constructor(connection: SqliteConnection, writes: WriteQueue) {
    const stmt: Stmt = (sql) => connection.stmt(sql)
    this.#stmt = stmt
    this.#writes = writes
    writes.onRollback(() => this.#counts.forget())
    // Savepoints inside the turn's batch: all or none, in the same commit as the other writes.
    this.#insertManyTx = connection.transaction((jobs: readonly NewJob[]) =>
      jobs.map((job) => insertJobNow(stmt, job).job),
    )
    this.#claimTx = connection.transaction((owner: string, now: number, options: ClaimOptions) =>
      claimNow(stmt, owner, now, options),
    )
    this.#appendLogsTx = connection.transaction((lines: readonly NewLogLine[], maxPerJob: number) =>
      appendLogsNow(stmt, lines, maxPerJob),
    )
  }

  /** transitionNow, keeping the terminal counts: a job that became terminal counts once. */
  #transition(id: string, from: readonly JobState[], patch: JobPatch, owner?: string): boolean {
    const applied = transitionNow(this.#stmt, id, from, patch, owner)
    if (applied && patch.state !== undefined) {
      // No caller moves a job out of a terminal state; if one did, which state it left is unknown.
      if (from.some(isTerminal)) this.#counts.forget()
      else this.#counts.add(patch.state, 1)
    }
    return applied
  }

  /** Commits queued single-row writes now (before close). */
  flushWrites(): void {
    this.#writes.flush()
  }

  insert(job: NewJob, idempotency?: Idempotency, start?: DirectStart): Promise<InsertResult> {
    return this.#writes.enqueue(() => insertOrFindNow(this.#stmt, job, idempotency, start))
  }

  insertMany(jobs: readonly NewJob[]): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => this.#insertManyTx(jobs))
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return getJob(this.#stmt, id)
  }

  async getMany(ids: readonly string[]): Promise<JobRecord[]> {
    return getJobs(this.#stmt, ids)
  }

  async list(query: JobQuery): Promise<JobRecord[]> {
    return listJobs(this.#stmt, query)
  }

  promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => promoteDueNow(this.#stmt, now, limit))
  }

  async nextDueAt(): Promise<number | null> {
    return nextDueAt(this.#stmt)
  }

  claim(owner: string, now: number, options: ClaimOptions): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => this.#claimTx(owner, now, options))
  }

  transition(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<JobRecord | undefined> {
    return this.#writes.enqueue(() =>
      this.#transition(id, from, patch, owner) ? getJob(this.#stmt, id) : undefined,
    )
  }

  transitionWithoutRead(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<boolean> {
    return this.#writes.enqueue(() => this.#transition(id, from, patch, owner))
  }

  transitionKnown(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<Pick<JobRecord, 'cancel' | 'progress'> | undefined> {
    return this.#writes.enqueue(() =>
      this.#transition(id, from, patch, owner) ? cancelAndProgress(this.#stmt, id) : undefined,
    )
  }

  setProgress(
    id: string,
    progress: { percent: number; message?: string },
    now: number,
  ): Promise<JobRecord | undefined> {
    return this.#writes.enqueue(() => setProgressNow(this.#stmt, id, progress, now))
  }

  heartbeat(owner: string, ids: readonly string[], leaseUntil: number): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => heartbeatNow(this.#stmt, owner, ids, leaseUntil))
  }

  async owned(owner: string): Promise<JobRecord[]> {
    return ownedJobs(this.#stmt, owner)
  }

  recoverInterrupted(owner: string, staleBefore: number, now: number): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => {
      const recovered = recoverInterruptedNow(this.#stmt, owner, staleBefore, now)
      for (const job of recovered) this.#counts.add(job.state, 1)
      return recovered
    })
  }

  delete(id: string): Promise<'deleted' | 'not_found' | 'active'> {
    return this.#writes.enqueue(() => deleteJobNow(this.#stmt, this.#counts, id))
  }

  deleteFinishedBefore(before: number, limit: number): Promise<number> {
    return this.#writes.enqueue(() => deleteFinishedNow(this.#stmt, this.#counts, before, limit))
  }

  async countByState(): Promise<Record<JobState, number>> {
    return countJobsByState(this.#stmt, this.#counts)
  }

  async countWaiting(): Promise<number> {
    return countWaitingJobs(this.#stmt)
  }

  async appendLogs(lines: readonly NewLogLine[], maxPerJob: number): Promise<void> {
    if (lines.length === 0) return
    // In the per-turn write batch (one commit with the outcome that usually follows); the inner
    // transaction is a savepoint there, so a failing batch of lines is undone on its own.
    return this.#writes.enqueue(() => this.#appendLogsTx(lines, maxPerJob))
  }

  async logs(jobId: string, after: number, limit: number): Promise<LogLine[]> {
    return jobLogs(this.#stmt, jobId, after, limit)
  }
}

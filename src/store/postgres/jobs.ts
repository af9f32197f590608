import type { JobPatch, JobRecord, LogLine, NewJob, NewLogLine } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import type { ClaimOptions, DirectStart, Idempotency, InsertResult, JobQuery, JobStore } from '../store.ts'
import type { PgDatabase } from './db.ts'
import { claimJobs, promoteDueJobs } from './job-claim.ts'
import { insertJob, insertJobs } from './job-insert.ts'
import { heartbeatJobs, ownedJobs, recoverInterruptedJobs } from './job-lease.ts'
import { listJobs } from './job-list.ts'
import { appendJobLogs, jobLogs } from './job-logs.ts'
import { setJobProgress } from './job-progress.ts'
import { getJob, getJobs, nextDueAt } from './job-read.ts'
import { countJobsByState, countWaitingJobs, deleteFinishedJobs, deleteJob } from './job-retention.ts'
import { TransitionBatcher } from './job-transition-batch.ts'

/**
 * Jobs in PostgreSQL, one file per operation. Shared by any number of instances: every state
 * change is one compare-and-set statement (`WHERE state = ANY(from) AND owner = …`), and claims,
 * promotions and recovery skip rows another instance holds (FOR UPDATE SKIP LOCKED).
 */
export class PgJobStore implements JobStore {
  readonly #db: PgDatabase
  readonly #transitions: TransitionBatcher

  constructor(db: PgDatabase) {
    this.#db = db
    this.#transitions = new TransitionBatcher(db)
  }

  insert(job: NewJob, idempotency?: Idempotency, start?: DirectStart): Promise<InsertResult> {
    return insertJob(this.#db, job, idempotency, start)
  }

  insertMany(jobs: readonly NewJob[]): Promise<JobRecord[]> {
    return insertJobs(this.#db, jobs)
  }

  get(id: string): Promise<JobRecord | undefined> {
    return getJob(this.#db, id)
  }

  getMany(ids: readonly string[]): Promise<JobRecord[]> {
    return getJobs(this.#db, ids)
  }

  list(query: JobQuery): Promise<JobRecord[]> {
    return listJobs(this.#db, query)
  }

  promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return promoteDueJobs(this.#db, now, limit)
  }

  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.#db)
  }

  claim(owner: string, now: number, options: ClaimOptions): Promise<JobRecord[]> {
    return claimJobs(this.#db, owner, now, options)
  }

  transition(id: string, from: readonly JobState[], patch: JobPatch, owner?: string) {
    return this.#transitions.transition(id, from, patch, owner)
  }

  async transitionWithoutRead(id: string, from: readonly JobState[], patch: JobPatch, owner?: string) {
    return (await this.#transitions.transition(id, from, patch, owner)) !== undefined
  }

  transitionKnown(id: string, from: readonly JobState[], patch: JobPatch, owner?: string) {
    return this.#transitions.known(id, from, patch, owner)
  }

  setProgress(id: string, progress: { percent: number; message?: string }, now: number) {
    return setJobProgress(this.#db, id, progress, now)
  }

  heartbeat(owner: string, ids: readonly string[], leaseUntil: number): Promise<JobRecord[]> {
    return heartbeatJobs(this.#db, owner, ids, leaseUntil)
  }

  owned(owner: string): Promise<JobRecord[]> {
    return ownedJobs(this.#db, owner)
  }

  recoverInterrupted(owner: string, staleBefore: number, now: number): Promise<JobRecord[]> {
    return recoverInterruptedJobs(this.#db, owner, staleBefore, now)
  }

  delete(id: string): Promise<'deleted' | 'not_found' | 'active'> {
    return deleteJob(this.#db, id)
  }

  deleteFinishedBefore(before: number, limit: number): Promise<number> {
    return deleteFinishedJobs(this.#db, before, limit)
  }

  countByState(): Promise<Record<JobState, number>> {
    return countJobsByState(this.#db)
  }

  countWaiting(): Promise<number> {
    return countWaitingJobs(this.#db)
  }

  appendLogs(lines: readonly NewLogLine[], maxPerJob: number): Promise<void> {
    return appendJobLogs(this.#db, lines, maxPerJob)
  }

  logs(jobId: string, after: number, limit: number): Promise<LogLine[]> {
    return jobLogs(this.#db, jobId, after, limit)
  }
}

import type { JobPatch, JobRecord, LogLine, NewJob, NewLogLine } from '../model/job.ts'
import type { JobState } from '../model/job-state.ts'
import type { StoreBus } from './bus.ts'
import type { StoreHealth } from './health.ts'
import type { InstanceStore } from './instance-store.ts'
import type { ProcessStore } from './process-store.ts'
import type { ScheduleStore } from './schedule-store.ts'
import type { TickStore } from './tick-store.ts'

export interface JobQuery {
  states?: JobState[]
  type?: string
  scheduleId?: string
  labels?: Record<string, string>
  limit: number
  /** Exclusive upper bound on id: the keyset cursor (newest first). */
  beforeId?: string
}

export interface Idempotency {
  key: string
  /** Hash of the request body: a repeat with another body is a conflict. */
  fingerprint: string
}

/** A create that skips the queue: the row is stored already running, owned by `owner`. */
export interface DirectStart {
  owner: string
  /** JOBVISOR_INSTANCE_ID of the owner, for the job's `instance`. */
  instance: string
  startedAt: number
  leaseUntil: number
}

export type InsertResult =
  /** `job` as created (queued or scheduled); `started`, after a DirectStart, as stored (running). */
  | { outcome: 'created'; job: JobRecord; started?: JobRecord }
  | { outcome: 'existing'; job: JobRecord }
  | { outcome: 'conflict'; job: JobRecord }

export interface ClaimOptions {
  /** JOBVISOR_INSTANCE_ID of the claiming owner, for the jobs' `instance`. */
  instance: string
  limit: number
  leaseUntil: number
  /** Types that may not be claimed now (their per-type limit is reached). */
  excludeTypes: readonly string[]
  /** Remaining per-type room; types absent here are limited only by `limit`. */
  typeRoom: Readonly<Record<string, number>>
}

export interface JobStore {
  /**
   * Inserts one job; with an idempotency key an earlier job with that key is returned instead.
   * With `start`, a queued job is stored as claimed by `start.owner` in the same write: its
   * `queued` state would be superseded at once (the runner asks only when nothing is queued).
   */
  insert(job: NewJob, idempotency?: Idempotency, start?: DirectStart): Promise<InsertResult>
  /** Inserts all or none. */
  insertMany(jobs: readonly NewJob[]): Promise<JobRecord[]>
  get(id: string): Promise<JobRecord | undefined>
  getMany(ids: readonly string[]): Promise<JobRecord[]>
  list(query: JobQuery): Promise<JobRecord[]>
  /** Moves `scheduled` jobs whose `runAt` ≤ now to `queued`; returns them. */
  promoteDue(now: number, limit: number): Promise<JobRecord[]>
  /** Earliest `runAt` among `scheduled` jobs, or null. */
  nextDueAt(): Promise<number | null>
  /** Moves up to `limit` queued jobs (priority desc, then FIFO) to `running`, owned by `owner`. */
  claim(owner: string, now: number, options: ClaimOptions): Promise<JobRecord[]>
  /** Applies `patch` only if the job is still in one of `from` (and owned by `owner` when given). */
  transition(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<JobRecord | undefined>
  /**
   * `transition` without reading the row back: true if it applied. For a writer that knows every
   * other column (the runner storing an outcome in a store of its own).
   */
  transitionWithoutRead(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<boolean>
  /**
   * `transition` for a writer that knows the row but for what others may change while it holds
   * the job: undefined if it did not apply, else the stored cancel request (another instance's
   * cancel) and progress. The runner storing an outcome in a shared store, which would otherwise
   * read the whole row back to learn those two.
   */
  transitionKnown(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<Pick<JobRecord, 'cancel' | 'progress'> | undefined>
  /** Sets progress of a running job; no state change, so no compare-and-set beyond "still executing". */
  setProgress(
    id: string,
    progress: { percent: number; message?: string },
    now: number,
  ): Promise<JobRecord | undefined>
  /**
   * Renews the leases of `ids`, the jobs `owner` really executes (not every row it owns: a claim
   * whose answer was lost leaves rows owned but not run, which must expire and be recovered);
   * returns those among them another actor moved to `cancelling`.
   */
  heartbeat(owner: string, ids: readonly string[], leaseUntil: number): Promise<JobRecord[]>
  /** Jobs `owner` holds executing (running or cancelling), to adopt the rows of a claim whose answer was lost. */
  owned(owner: string): Promise<JobRecord[]>
  /**
   * Executing jobs whose lease ended before `staleBefore`: re-queued when attempts are left, else
   * `failed` with code `interrupted`; `cancelling` ones end `cancelled`. Those of `owner` count
   * only when their lease ran out too (it renews what it runs), i.e. rows it owns but never ran.
   */
  recoverInterrupted(owner: string, staleBefore: number, now: number): Promise<JobRecord[]>
  /** Deletes a terminal job and its logs; 'active' when it is not terminal. */
  delete(id: string): Promise<'deleted' | 'not_found' | 'active'>
  /** Deletes up to `limit` terminal jobs finished before `before`; returns how many. */
  deleteFinishedBefore(before: number, limit: number): Promise<number>
  countByState(): Promise<Record<JobState, number>>
  /** Jobs waiting to run (`scheduled` + `queued`): the queue depth that JOBVISOR_MAX_QUEUED bounds. */
  countWaiting(): Promise<number>
  appendLogs(lines: readonly NewLogLine[], maxPerJob: number): Promise<void>
  logs(jobId: string, after: number, limit: number): Promise<LogLine[]>
}

export interface Store {
  readonly jobs: JobStore
  readonly schedules: ScheduleStore
  /** Command runs' processes, for ending what a crashed process left running. */
  readonly processes: ProcessStore
  /** Messages between the instances sharing the store; absent for a store of one process. */
  readonly bus?: StoreBus
  /** Live instances (SPEC §10). */
  readonly instances: InstanceStore
  /** Whether writes work; faults are probed until they do again (SPEC §8 storage faults). */
  readonly health: StoreHealth
  /** SPEC §11 tick history (written through `SchedulePatch.ticks`). */
  readonly ticks: TickStore
  /**
   * True when this process is the database's only user (SQLite's exclusive lock): a run owned by
   * any other owner id is then certainly dead, so recovery need not wait for leases to lapse.
   */
  readonly exclusive: boolean
  migrate(): Promise<void>
  close(): Promise<void>
}

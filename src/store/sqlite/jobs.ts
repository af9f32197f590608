import type Database from 'better-sqlite3'
import { JobState, TERMINAL_STATES } from '../../jobs/state.ts'
import { decodeJsonText, type JobRow, jobFromRow, jobWith, newJobRecord, patchColumns } from '../rows.ts'
import type {
  ClaimOptions,
  DirectStart,
  Idempotency,
  InsertResult,
  JobPatch,
  JobQuery,
  JobRecord,
  JobStore,
  LogLine,
  NewJob,
  NewLogLine,
} from '../store.ts'
import type { SqliteConnection } from './connection.ts'
import type { WriteQueue } from './write-queue.ts'

const fromRow = (row: JobRow) => jobFromRow(row, decodeJsonText)

const TERMINAL_SQL = TERMINAL_STATES.map((s) => `'${s}'`).join(',')

/** Rows a list probe counts at most in one candidate range (see `#labelDriver`). */
const LIST_PROBE_CAP = 5000

/** A list query with its states deduplicated and its labels as entries. */
interface ListQuery extends Omit<JobQuery, 'states' | 'labels'> {
  states: JobState[]
  labels: [string, string][]
}

/**
 * The cursor, type, schedule and label filters of a list, against the job id column `id`; the
 * label at index `skip` is left out (it drives the walk).
 */
function listFilters(query: ListQuery, id: string, skip?: number): { where: string[]; args: unknown[] } {
  const where: string[] = []
  const args: unknown[] = []
  if (query.beforeId !== undefined) {
    where.push(`${id} < ?`)
    args.push(query.beforeId)
  }
  if (query.type !== undefined) {
    where.push('j.type = ?')
    args.push(query.type)
  }
  if (query.scheduleId !== undefined) {
    where.push('j.schedule_id = ?')
    args.push(query.scheduleId)
  }
  query.labels.forEach(([key, value], i) => {
    if (i === skip) return
    where.push(`EXISTS (SELECT 1 FROM job_labels x WHERE x.key = ? AND x.value = ? AND x.job_id = ${id})`)
    args.push(key, value)
  })
  return { where, args }
}

/**
 * better-sqlite3 is synchronous: each method runs to completion before it returns, so a
 * compare-and-set (`UPDATE … WHERE state IN (…)`) cannot interleave with another writer in this
 * process, and the exclusive lock keeps other processes out.
 */
export class SqliteJobStore implements JobStore {
  readonly #stmt: (sql: string) => Database.Statement
  readonly #writes: WriteQueue
  readonly #insertManyTx: (jobs: readonly NewJob[]) => JobRecord[]
  readonly #claimTx: (owner: string, now: number, options: ClaimOptions) => JobRecord[]
  readonly #appendLogsTx: (lines: readonly NewLogLine[], maxPerJob: number) => void

  /** `writes` batches single-row writes per event-loop turn (shared with the schedule store). */
  constructor(connection: SqliteConnection, writes: WriteQueue) {
    this.#stmt = (sql) => connection.stmt(sql)
    this.#writes = writes
    this.#insertManyTx = connection.transaction((jobs: readonly NewJob[]) =>
      jobs.map((job) => this.#insertOne(job).job),
    )
    this.#claimTx = connection.transaction((owner: string, now: number, options: ClaimOptions) =>
      this.#claimNow(owner, now, options),
    )
    this.#appendLogsTx = connection.transaction((lines: readonly NewLogLine[], maxPerJob: number) =>
      this.#appendLogsNow(lines, maxPerJob),
    )
  }

  /** Commits queued single-row writes now (before close). */
  flushWrites(): void {
    this.#writes.flush()
  }

  #insertOne(
    job: NewJob,
    idempotency?: Idempotency,
    start?: DirectStart,
  ): { job: JobRecord; started?: JobRecord } {
    const started = start !== undefined && job.state === 'queued' ? start : undefined
    // No RETURNING: every column of a new row is known here, and reading it back costs more
    // than the insert itself.
    this.#stmt(
      `INSERT INTO jobs (id, type, params, state, priority, timeout_ms, run_at, ready_at, retry, attempt, labels,
         schedule_id, due_at, created_at, updated_at, idempotency_key, idempotency_fingerprint,
         owner, instance, lease_until, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      job.id,
      job.type,
      JSON.stringify(job.params ?? {}),
      started ? 'running' : job.state,
      job.priority,
      job.timeoutMs,
      job.runAt,
      job.runAt ?? job.createdAt,
      JSON.stringify(job.retry),
      JSON.stringify(job.labels),
      job.scheduleId,
      job.dueAt,
      job.createdAt,
      started ? started.startedAt : job.createdAt,
      idempotency?.key ?? null,
      idempotency?.fingerprint ?? null,
      started?.owner ?? null,
      started?.instance ?? null,
      started?.leaseUntil ?? null,
      started?.startedAt ?? null,
    )
    const labels = Object.entries(job.labels)
    if (labels.length > 0) {
      const label = this.#stmt('INSERT INTO job_labels (job_id, key, value) VALUES (?, ?, ?)')
      for (const [key, value] of labels) label.run(job.id, key, value)
    }
    const created = newJobRecord(job)
    if (!started) return { job: created }
    return {
      job: created,
      started: jobWith(created, {
        state: 'running',
        startedAt: started.startedAt,
        updatedAt: started.startedAt,
        owner: started.owner,
        instance: started.instance,
        leaseUntil: started.leaseUntil,
      }),
    }
  }

  insert(job: NewJob, idempotency?: Idempotency, start?: DirectStart): Promise<InsertResult> {
    return this.#writes.enqueue((): InsertResult => {
      if (idempotency) {
        const found = this.#stmt(
          'SELECT *, idempotency_fingerprint AS fp FROM jobs WHERE idempotency_key = ?',
        ).get(idempotency.key) as (JobRow & { fp: string }) | undefined
        if (found) {
          return {
            outcome: found.fp === idempotency.fingerprint ? 'existing' : 'conflict',
            job: fromRow(found),
          }
        }
      }
      return { outcome: 'created', ...this.#insertOne(job, idempotency, start) }
    })
  }

  insertMany(jobs: readonly NewJob[]): Promise<JobRecord[]> {
    // A savepoint inside the turn's batch: all or none, in the same commit as the other writes.
    return this.#writes.enqueue(() => this.#insertManyTx(jobs))
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = this.#stmt('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
    return row && fromRow(row)
  }

  async getMany(ids: readonly string[]): Promise<JobRecord[]> {
    const stmt = this.#stmt('SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(?))')
    return (stmt.all(JSON.stringify(ids)) as JobRow[]).map(fromRow)
  }

  async list(query: JobQuery): Promise<JobRecord[]> {
    // A repeated state would repeat its UNION ALL part, and so its rows.
    const q = {
      ...query,
      states: [...new Set(query.states ?? [])],
      labels: Object.entries(query.labels ?? {}),
    }
    const driver = this.#labelDriver(q)
    const rows = driver === undefined ? this.#listByJobs(q) : this.#listByLabel(q, driver)
    return rows.map(fromRow)
  }

  /** Walks jobs newest first (by id or by a state/type/schedule index); labels are EXISTS checks. */
  #listByJobs(query: ListQuery): JobRow[] {
    const { where, args } = listFilters(query, 'j.id')
    const rest = where.length ? ` AND ${where.join(' AND ')}` : ''
    const states = query.states
    if (states.length <= 1) {
      const stateClause = states.length === 1 ? 'j.state = ?' : '1'
      const sql = `SELECT j.* FROM jobs j WHERE ${stateClause}${rest} ORDER BY j.id DESC LIMIT ?`
      return this.#stmt(sql).all(...states, ...args, query.limit) as JobRow[]
    }
    // One index range per state, merged: an IN list would make SQLite sort every matching row.
    const parts = states.map(
      () => `SELECT * FROM (SELECT j.* FROM jobs j WHERE j.state = ?${rest} ORDER BY j.id DESC LIMIT ?)`,
    )
    const sql = `${parts.join(' UNION ALL ')} ORDER BY id DESC LIMIT ?`
    const all = states.flatMap((state) => [state, ...args, query.limit])
    return this.#stmt(sql).all(...all, query.limit) as JobRow[]
  }

  /**
   * Walks one label's (key, value, job_id) primary-key range newest first and joins each job by id:
   * only jobs carrying that label are visited, already in id order (no sort, so states can be a
   * plain IN list here). CROSS JOIN keeps job_labels the outer loop whatever the planner guesses.
   */
  #listByLabel(query: ListQuery, driver: number): JobRow[] {
    const [key, value] = query.labels[driver] as [string, string]
    const { where, args } = listFilters(query, 'l.job_id', driver)
    if (query.states.length > 0) where.push(`j.state IN (${query.states.map(() => '?').join(', ')})`)
    const sql = `SELECT j.* FROM job_labels l CROSS JOIN jobs j ON j.id = l.job_id
      WHERE l.key = ? AND l.value = ? AND ${where.join(' AND ') || '1'} ORDER BY l.job_id DESC LIMIT ?`
    return this.#stmt(sql).all(key, value, ...args, ...query.states, query.limit) as JobRow[]
  }

  /**
   * Which label to drive the list from (index into `query.labels`), or undefined to walk jobs.
   * A walk costs about the rows of its driving range it visits, at most all of them (a filter that
   * matches nothing). Without labels' or states' statistics (the service never ANALYZEs), count each
   * candidate range below the cursor, capped at LIST_PROBE_CAP (index-only, ~0.05 ms per 1000):
   * - labels only: the rarest label. Its rows are a subset of the jobs walk, in the same order, so
   *   it never visits more rows than walking jobs would.
   * - labels with state/type/schedule filters: the rarest label if it has fewer than the cap rows
   *   and no jobs-side filter has fewer (so the walk is bounded by the cap). A common label with a
   *   rare state (env:prod, state=running) must walk the state index: driven from the label it
   *   would visit ~all of the label's jobs (~0.3 s on P7's 1M history). When every candidate has
   *   more than the cap, the jobs walk is kept (the plan before labels could drive).
   */
  #labelDriver(query: ListQuery): number | undefined {
    const { labels, states, beforeId } = query
    if (labels.length === 0) return undefined
    const jobRanges: [string, unknown[]][] = []
    if (states.length > 0) jobRanges.push([`state IN (${states.map(() => '?').join(', ')})`, states])
    if (query.type !== undefined) jobRanges.push(['type = ?', [query.type]])
    if (query.scheduleId !== undefined) jobRanges.push(['schedule_id = ?', [query.scheduleId]])
    if (labels.length === 1 && jobRanges.length === 0) return 0
    const below = (id: string) => (beforeId === undefined ? '' : ` AND ${id} < ?`)
    const count = (range: string, args: unknown[], cap: number): number => {
      const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM ${range} LIMIT ?)`
      const cursor = beforeId === undefined ? [] : [beforeId]
      return (this.#stmt(sql).get(...args, ...cursor, cap) as { n: number }).n
    }
    let driver = 0
    let fewest = Number.POSITIVE_INFINITY
    labels.forEach(([key, value], i) => {
      const n = count(
        `job_labels WHERE key = ? AND value = ?${below('job_id')}`,
        [key, value],
        LIST_PROBE_CAP,
      )
      if (n < fewest) [driver, fewest] = [i, n]
    })
    if (jobRanges.length === 0) return driver
    if (fewest >= LIST_PROBE_CAP) return undefined
    const labelIsRarest = jobRanges.every(
      ([where, args]) => count(`jobs WHERE ${where}${below('id')}`, args, fewest) >= fewest,
    )
    return labelIsRarest ? driver : undefined
  }

  promoteDue(now: number, limit: number): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => this.#promoteDueNow(now, limit))
  }

  #promoteDueNow(now: number, limit: number): JobRecord[] {
    const rows = this.#stmt(
      `UPDATE jobs SET state = 'queued', updated_at = ?, ready_at = run_at
       WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_delayed WHERE state = 'scheduled' AND run_at <= ? ORDER BY run_at LIMIT ?)
       RETURNING *`,
    ).all(now, now, limit) as JobRow[]
    return rows.map(fromRow)
  }

  async nextDueAt(): Promise<number | null> {
    const row = this.#stmt(
      "SELECT MIN(run_at) AS t FROM jobs INDEXED BY jobs_delayed WHERE state = 'scheduled'",
    ).get() as {
      t: number | null
    }
    return row.t
  }

  claim(owner: string, now: number, options: ClaimOptions): Promise<JobRecord[]> {
    // Read and update in one savepoint of the turn's batch: every chosen job is still queued.
    return this.#writes.enqueue(() => this.#claimTx(owner, now, options))
  }

  #claimNow(owner: string, now: number, options: ClaimOptions): JobRecord[] {
    const exclude = JSON.stringify(options.excludeTypes)
    const limited = Object.keys(options.typeRoom).length > 0
    // Whole rows, so nothing is read back after the update. With per-type limits, read a
    // little past `limit` so that room can skip a few jobs of a type that fills up.
    const candidates = this.#stmt(
      `SELECT * FROM jobs INDEXED BY jobs_queue WHERE state = 'queued'
           AND type NOT IN (SELECT value FROM json_each(?))
         ORDER BY priority DESC, ready_at, id LIMIT ?`,
    ).all(exclude, limited ? options.limit * 2 : options.limit) as JobRow[]
    const room = { ...options.typeRoom }
    const chosen: JobRow[] = []
    for (const c of candidates) {
      if (chosen.length >= options.limit) break
      const left = room[c.type]
      if (left !== undefined) {
        if (left <= 0) continue
        room[c.type] = left - 1
      }
      chosen.push(c)
    }
    if (chosen.length === 0) return []
    // Read in this transaction, so every chosen job is still queued and gets updated.
    this.#stmt(
      `UPDATE jobs SET state = 'running', owner = ?, instance = ?, lease_until = ?, started_at = ?, updated_at = ?
         WHERE id IN (SELECT value FROM json_each(?)) AND state = 'queued'`,
    ).run(owner, options.instance, options.leaseUntil, now, now, JSON.stringify(chosen.map((c) => c.id)))
    return chosen.map((row) =>
      jobWith(fromRow(row), {
        state: 'running',
        owner,
        instance: options.instance,
        leaseUntil: options.leaseUntil,
        startedAt: now,
        updatedAt: now,
      }),
    )
  }

  transition(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<JobRecord | undefined> {
    return this.#writes.enqueue(() => this.#transitionNow(id, from, patch, owner))
  }

  transitionWithoutRead(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<boolean> {
    return this.#writes.enqueue(() => this.#update(id, from, patch, owner))
  }

  #transitionNow(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): JobRecord | undefined {
    return this.#update(id, from, patch, owner) ? this.#readBack(id) : undefined
  }

  #update(id: string, from: readonly JobState[], patch: JobPatch, owner?: string): boolean {
    const { columns, values } = patchColumns(patch)
    if (patch.state === 'queued') {
      columns.push('ready_at')
      values.push(patch.updatedAt)
    } else if (patch.state === 'scheduled') {
      columns.push('ready_at')
      values.push(patch.runAt ?? patch.updatedAt)
    }
    const ownerClause = owner === undefined ? '' : ' AND owner = ?'
    // Placeholders per state (not json_each): the statement shape stays cacheable and the planner
    // sees a plain IN list.
    const sql = `UPDATE jobs SET ${columns.map((c) => `${c} = ?`).join(', ')}
      WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})${ownerClause}`
    const args = [...values, id, ...from]
    if (owner !== undefined) args.push(owner)
    return this.#stmt(sql).run(...args).changes > 0
  }

  /**
   * The row as just written, in the same transaction. A separate SELECT, not `RETURNING *`:
   * SQLite materializes RETURNING rows in a temporary table, which made an update 24 µs instead
   * of 5 µs + 7 µs for the read (measured on this table; the finish write of every job).
   */
  #readBack(id: string): JobRecord | undefined {
    const row = this.#stmt('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
    return row && fromRow(row)
  }

  setProgress(
    id: string,
    progress: { percent: number; message?: string },
    now: number,
  ): Promise<JobRecord | undefined> {
    return this.#writes.enqueue(() => {
      const { changes } = this.#stmt(
        "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND state IN ('running', 'cancelling')",
      ).run(JSON.stringify(progress), now, id)
      return changes > 0 ? this.#readBack(id) : undefined
    })
  }

  heartbeat(owner: string, ids: readonly string[], leaseUntil: number): Promise<JobRecord[]> {
    return this.#writes.enqueue(() => {
      const list = JSON.stringify(ids)
      this.#stmt(
        `UPDATE jobs SET lease_until = ? WHERE owner = ? AND state IN ('running', 'cancelling')
           AND id IN (SELECT value FROM json_each(?))`,
      ).run(leaseUntil, owner, list)
      const rows = this.#stmt(
        "SELECT * FROM jobs WHERE owner = ? AND state = 'cancelling' AND id IN (SELECT value FROM json_each(?))",
      ).all(owner, list) as JobRow[]
      return rows.map(fromRow)
    })
  }

  async owned(owner: string): Promise<JobRecord[]> {
    const rows = this.#stmt("SELECT * FROM jobs WHERE owner = ? AND state IN ('running', 'cancelling')").all(
      owner,
    ) as JobRow[]
    return rows.map(fromRow)
  }

  recoverInterrupted(owner: string, staleBefore: number, now: number): Promise<JobRecord[]> {
    return this.#writes.enqueue((): JobRecord[] => {
      // Another owner's runs once stale; this owner's only once their lease ran out (not renewed).
      const stale = this.#stmt(
        `SELECT * FROM jobs WHERE state IN ('running', 'cancelling')
           AND (lease_until IS NULL OR lease_until < CASE WHEN owner = ? THEN ? ELSE ? END)`,
      ).all(owner, now, staleBefore) as JobRow[]
      return stale.map((row) => {
        const job = fromRow(row)
        const patch = interruptedPatch(job)
        const updated = this.#stmt(
          `UPDATE jobs SET state = ?, attempt = ?, error = ?, cancel = ?, finished_at = ?, owner = NULL,
               lease_until = NULL, ready_at = ?, updated_at = ? WHERE id = ? RETURNING *`,
        ).get(
          patch.state,
          patch.attempt,
          JSON.stringify(patch.error),
          job.cancel ? JSON.stringify({ ...job.cancel, forced: true }) : null,
          patch.state === 'queued' ? null : now,
          now,
          now,
          job.id,
        ) as JobRow
        return fromRow(updated)
      })
    })
  }

  delete(id: string): Promise<'deleted' | 'not_found' | 'active'> {
    return this.#writes.enqueue(() => {
      const info = this.#stmt(`DELETE FROM jobs WHERE id = ? AND state IN (${TERMINAL_SQL})`).run(id)
      if (info.changes > 0) return 'deleted'
      return this.#stmt('SELECT 1 FROM jobs WHERE id = ?').get(id) ? 'active' : 'not_found'
    })
  }

  deleteFinishedBefore(before: number, limit: number): Promise<number> {
    return this.#writes.enqueue(
      () =>
        this.#stmt(
          `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_finished WHERE finished_at IS NOT NULL AND finished_at < ?
         AND state IN (${TERMINAL_SQL}) LIMIT ?)`,
        ).run(before, limit).changes,
    )
  }

  async countByState(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(JobState.options.map((s) => [s, 0])) as Record<JobState, number>
    for (const { state, n } of this.#stmt('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: JobState
      n: number
    }[]) {
      counts[state] = n
    }
    return counts
  }

  async countWaiting(): Promise<number> {
    const row = this.#stmt("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('scheduled', 'queued')").get() as {
      n: number
    }
    return row.n
  }

  async appendLogs(lines: readonly NewLogLine[], maxPerJob: number): Promise<void> {
    if (lines.length === 0) return
    // In the per-turn write batch (one commit with the outcome that usually follows); the inner
    // transaction is a savepoint there, so a failing batch of lines is undone on its own.
    return this.#writes.enqueue(() => this.#appendLogsTx(lines, maxPerJob))
  }

  #appendLogsNow(lines: readonly NewLogLine[], maxPerJob: number): void {
    // A handler forced past its grace may still log after its job was deleted: drop those lines.
    const insert = this.#stmt(
      'INSERT INTO job_logs (job_id, time, level, msg) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ?)',
    )
    const touched = new Set<string>()
    for (const line of lines) {
      insert.run(line.jobId, line.time, line.level, line.msg, line.jobId)
      touched.add(line.jobId)
    }
    // Keep the newest `maxPerJob` lines: the end of a log is what explains a failure.
    const trim = this.#stmt(
      `DELETE FROM job_logs WHERE job_id = ? AND seq <= (
         SELECT seq FROM job_logs WHERE job_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    )
    for (const jobId of touched) trim.run(jobId, jobId, maxPerJob)
  }

  async logs(jobId: string, after: number, limit: number): Promise<LogLine[]> {
    return this.#stmt(
      'SELECT seq, time, level, msg FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ).all(jobId, after, limit) as LogLine[]
  }
}

/** SPEC §3 Interrupted work: re-queue with attempts left, else `failed` with code `interrupted`. */
function interruptedPatch(job: JobRecord) {
  const error = {
    name: 'InterruptedError',
    message: 'the process running this job stopped',
    code: 'interrupted',
  }
  if (job.state === 'cancelling') return { state: 'cancelled' as const, attempt: job.attempt, error: null }
  if (job.attempt < job.retry.maxAttempts)
    return { state: 'queued' as const, attempt: job.attempt + 1, error }
  return { state: 'failed' as const, attempt: job.attempt, error }
}

import { decodeJsonValue, type JobRow, jobFromRow, jobWith, newJobRecord } from '../rows.ts'
import type { DirectStart, Idempotency, InsertResult, JobRecord, NewJob } from '../store.ts'
import type { Queryable } from './db.ts'

// $1 id, $2 type, $3 params, $4 state, $5 priority, $6 timeout_ms, $7 run_at, $8 ready_at, $9 retry,
// $10 labels, $11 schedule_id, $12 due_at, $13 created_at, $14 updated_at, $15 idempotency_key,
// $16 idempotency_fingerprint, $17 owner, $18 lease_until, $19 started_at, $20 instance. Returns the id when
// inserted, nothing when the idempotency key is taken.
const INSERT = `INSERT INTO jobs (id, type, params, state, priority, timeout_ms, run_at, ready_at, retry, labels,
    schedule_id, due_at, created_at, updated_at, idempotency_key, idempotency_fingerprint, owner, lease_until, started_at,
    instance)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
  ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id`

// $1 a JSON array of new jobs. One statement: all or none.
const INSERT_MANY = `INSERT INTO jobs (id, type, params, state, priority, timeout_ms, run_at, ready_at, retry, labels,
    schedule_id, due_at, created_at, updated_at)
  SELECT id, type, coalesce(params, '{}'), state, priority, timeout_ms, run_at, coalesce(run_at, created_at),
    retry, labels, schedule_id, due_at, created_at, created_at
  FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, params jsonb, state text, priority integer,
    timeout_ms bigint, run_at bigint, retry jsonb, labels jsonb, schedule_id text, due_at bigint, created_at bigint)`

const json = (value: unknown) => JSON.stringify(value)

/** See JobStore.insert: one statement; a taken key reads the earlier job back. */
export async function insertJob(
  db: Queryable,
  job: NewJob,
  idempotency?: Idempotency,
  start?: DirectStart,
): Promise<InsertResult> {
  const started = start !== undefined && job.state === 'queued' ? start : undefined
  for (;;) {
    const inserted = await db.query(INSERT, [
      job.id,
      job.type,
      json(job.params ?? {}),
      started ? 'running' : job.state,
      job.priority,
      job.timeoutMs,
      job.runAt,
      job.runAt ?? job.createdAt,
      json(job.retry),
      json(job.labels),
      job.scheduleId,
      job.dueAt,
      job.createdAt,
      started ? started.startedAt : job.createdAt,
      idempotency?.key ?? null,
      idempotency?.fingerprint ?? null,
      started?.owner ?? null,
      started?.leaseUntil ?? null,
      started?.startedAt ?? null,
      started?.instance ?? null,
    ])
    if (inserted.length > 0) return created(job, started)
    const [found] = await db.query<JobRow & { idempotency_fingerprint: string }>(
      'SELECT * FROM jobs WHERE idempotency_key = $1',
      [idempotency?.key],
    )
    // Gone between the two statements (deleted by retention or a client): try the insert again.
    if (!found) continue
    const outcome = found.idempotency_fingerprint === idempotency?.fingerprint ? 'existing' : 'conflict'
    return { outcome, job: jobFromRow(found, decodeJsonValue) }
  }
}

function created(job: NewJob, started: DirectStart | undefined): InsertResult {
  const record = newJobRecord(job)
  if (!started) return { outcome: 'created', job: record }
  return {
    outcome: 'created',
    job: record,
    started: jobWith(record, {
      state: 'running',
      startedAt: started.startedAt,
      updatedAt: started.startedAt,
      owner: started.owner,
      instance: started.instance,
      leaseUntil: started.leaseUntil,
    }),
  }
}

/** See JobStore.insertMany. */
export async function insertJobs(db: Queryable, jobs: readonly NewJob[]): Promise<JobRecord[]> {
  if (jobs.length === 0) return []
  const rows = jobs.map((j) => ({
    id: j.id,
    type: j.type,
    params: j.params ?? {},
    state: j.state,
    priority: j.priority,
    timeout_ms: j.timeoutMs,
    run_at: j.runAt,
    retry: j.retry,
    labels: j.labels,
    schedule_id: j.scheduleId,
    due_at: j.dueAt,
    created_at: j.createdAt,
  }))
  await db.query(INSERT_MANY, [JSON.stringify(rows)])
  return jobs.map(newJobRecord)
}

import { type JobRecord, type NewJob, newJobRecord } from '../../model/job.ts'
import {
  decodeJsonValue,
  directStartOf,
  insertedRecords,
  type JobRow,
  jobFromRow,
  NEW_JOB_COLUMNS,
  newJobValues,
} from '../rows.ts'
import type { DirectStart, Idempotency, InsertResult } from '../store.ts'
import type { Queryable } from './db.ts'

/** The job_labels rows of the jobs a CTE named `ins` inserted (its RETURNING id, labels). */
const INSERT_LABELS = `labelled AS (INSERT INTO job_labels (key, value, job_id)
    SELECT l.key, l.value, ins.id FROM ins, jsonb_each_text(ins.labels) l)`

// NEW_JOB_COLUMNS as $1…$20. Returns the id when inserted, nothing when the idempotency key is taken.
const INSERT = `WITH ins AS (INSERT INTO jobs (${NEW_JOB_COLUMNS.join(', ')})
    VALUES (${NEW_JOB_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, labels),
  ${INSERT_LABELS}
  SELECT id FROM ins`

// $1 a JSON array of new jobs. One statement: all or none.
const INSERT_MANY = `WITH ins AS (INSERT INTO jobs (id, type, params, state, priority, timeout_ms, run_at, ready_at,
      retry, labels, schedule_id, due_at, created_at, updated_at)
    SELECT id, type, coalesce(params, '{}'), state, priority, timeout_ms, run_at, coalesce(run_at, created_at),
      retry, labels, schedule_id, due_at, created_at, created_at
    FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, params jsonb, state text, priority integer,
      timeout_ms bigint, run_at bigint, retry jsonb, labels jsonb, schedule_id text, due_at bigint, created_at bigint)
    RETURNING id, labels),
  ${INSERT_LABELS}
  SELECT count(*) FROM ins`

/** See JobStore.insert: one statement; a taken key reads the earlier job back. */
export async function insertJob(
  db: Queryable,
  job: NewJob,
  idempotency?: Idempotency,
  start?: DirectStart,
): Promise<InsertResult> {
  const started = directStartOf(job, start)
  for (;;) {
    const inserted = await db.query(INSERT, newJobValues(job, idempotency, started))
    if (inserted.length > 0) return { outcome: 'created', ...insertedRecords(job, started) }
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

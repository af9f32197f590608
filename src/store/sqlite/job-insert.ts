import type { JobRecord, NewJob } from '../../model/job.ts'
import { directStartOf, insertedRecords, type JobRow, NEW_JOB_COLUMNS, newJobValues } from '../rows.ts'
import type { DirectStart, Idempotency, InsertResult } from '../store.ts'
import { fromRow, type Stmt } from './job-read.ts'

const INSERT = `INSERT INTO jobs (${NEW_JOB_COLUMNS.join(', ')}) VALUES (${NEW_JOB_COLUMNS.map(() => '?').join(', ')})`

/**
 * Inserts one job, stored already running when `start` is given (a create that skips the queue).
 * No RETURNING: every column of a new row is known here, and reading it back costs more than the
 * insert itself.
 */
export function insertJobNow(
  stmt: Stmt,
  job: NewJob,
  idempotency?: Idempotency,
  start?: DirectStart,
): { job: JobRecord; started?: JobRecord } {
  const started = directStartOf(job, start)
  stmt(INSERT).run(...newJobValues(job, idempotency, started))
  const labels = Object.entries(job.labels)
  if (labels.length > 0) {
    const label = stmt('INSERT INTO job_labels (job_id, key, value) VALUES (?, ?, ?)')
    for (const [key, value] of labels) label.run(job.id, key, value)
  }
  return insertedRecords(job, started)
}

/** See JobStore.insert: an earlier job with the idempotency key is returned instead. */
export function insertOrFindNow(
  stmt: Stmt,
  job: NewJob,
  idempotency?: Idempotency,
  start?: DirectStart,
): InsertResult {
  if (idempotency) {
    const found = stmt('SELECT *, idempotency_fingerprint AS fp FROM jobs WHERE idempotency_key = ?').get(
      idempotency.key,
    ) as (JobRow & { fp: string }) | undefined
    if (found) {
      return { outcome: found.fp === idempotency.fingerprint ? 'existing' : 'conflict', job: fromRow(found) }
    }
  }
  return { outcome: 'created', ...insertJobNow(stmt, job, idempotency, start) }
}

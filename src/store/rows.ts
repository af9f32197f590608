import {
  type CancelInfo,
  type JobErrorInfo,
  type JobPatch,
  type JobRecord,
  jobWith,
  type NewJob,
  newJobRecord,
  type RetryInfo,
} from '../model/job.ts'
import type { JobState } from '../model/job-state.ts'
import type { DirectStart, Idempotency } from './store.ts'

/**
 * A `jobs` row as both SQL adapters return it: snake_case columns, times as numbers (the
 * PostgreSQL pool parses bigint), documents as each driver gives them — JSON text in SQLite,
 * already parsed jsonb in PostgreSQL — turned into values by the adapter's {@link DecodeJson}.
 */
export interface JobRow {
  id: string
  type: string
  params: unknown
  state: string
  priority: number
  timeout_ms: number | null
  run_at: number | null
  retry: unknown
  attempt: number
  labels: unknown
  schedule_id: string | null
  due_at: number | null
  progress: unknown
  result: unknown
  error: unknown
  cancel: unknown
  created_at: number
  started_at: number | null
  finished_at: number | null
  updated_at: number
  instance: string | null
  owner: string | null
  lease_until: number | null
}

/** Every column of a `jobs` row, in the order {@link jobFromValues} reads them. */
export const JOB_ROW_COLUMNS = [
  'id',
  'type',
  'params',
  'state',
  'priority',
  'timeout_ms',
  'run_at',
  'retry',
  'attempt',
  'labels',
  'schedule_id',
  'due_at',
  'progress',
  'result',
  'error',
  'cancel',
  'created_at',
  'started_at',
  'finished_at',
  'updated_at',
  'instance',
  'owner',
  'lease_until',
] as const satisfies readonly (keyof JobRow)[]
// A column added to JobRow and not to the list above fails to compile here.
const everyColumn: Record<Exclude<keyof JobRow, (typeof JOB_ROW_COLUMNS)[number]>, never> = {}
void everyColumn

/** A document column as the driver returns it → its value; SQL NULL stays null. */
export type DecodeJson = (column: unknown) => unknown

/** SQLite keeps documents as JSON text. */
export const decodeJsonText: DecodeJson = (column) => (column === null ? null : JSON.parse(column as string))
/** PostgreSQL's driver has parsed jsonb already. */
export const decodeJsonValue: DecodeJson = (column) => column

/** A document as a statement parameter: JSON text, which both SQLite and a jsonb column take. */
const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value)

/** Columns of a new job row, in the order of {@link newJobValues}; `attempt` takes its default (1). */
export const NEW_JOB_COLUMNS = [
  'id',
  'type',
  'params',
  'state',
  'priority',
  'timeout_ms',
  'run_at',
  'ready_at',
  'retry',
  'labels',
  'schedule_id',
  'due_at',
  'created_at',
  'updated_at',
  'idempotency_key',
  'idempotency_fingerprint',
  'owner',
  'instance',
  'lease_until',
  'started_at',
] as const

/** The DirectStart that applies: only a job that would be queued may skip the queue. */
export const directStartOf = (job: NewJob, start: DirectStart | undefined): DirectStart | undefined =>
  start !== undefined && job.state === 'queued' ? start : undefined

/** Statement parameters for NEW_JOB_COLUMNS; `started` stores the row already running. */
export function newJobValues(job: NewJob, idempotency?: Idempotency, started?: DirectStart): unknown[] {
  return [
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
    started?.instance ?? null,
    started?.leaseUntil ?? null,
    started?.startedAt ?? null,
  ]
}

/**
 * The records of a job just inserted, without reading it back: every column is known. With a
 * direct start, `started` is the row as stored (running, owned).
 */
export function insertedRecords(job: NewJob, started?: DirectStart): { job: JobRecord; started?: JobRecord } {
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

export function jobFromRow(row: JobRow, decode: DecodeJson): JobRecord {
  return {
    id: row.id,
    type: row.type,
    params: decode(row.params),
    state: row.state as JobState,
    priority: row.priority,
    timeoutMs: row.timeout_ms,
    runAt: row.run_at,
    retry: decode(row.retry) as RetryInfo,
    attempt: row.attempt,
    labels: decode(row.labels) as Record<string, string>,
    scheduleId: row.schedule_id,
    dueAt: row.due_at,
    progress: decode(row.progress) as JobRecord['progress'],
    result: decode(row.result),
    error: decode(row.error) as JobErrorInfo | null,
    cancel: decode(row.cancel) as CancelInfo | null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    instance: row.instance,
    owner: row.owner,
    leaseUntil: row.lease_until,
  }
}

/**
 * A row read as an array of {@link JOB_ROW_COLUMNS} (better-sqlite3's raw mode): no object per row
 * between the driver and the record.
 */
export function jobFromValues(v: readonly unknown[], decode: DecodeJson): JobRecord {
  return {
    id: v[0] as string,
    type: v[1] as string,
    params: decode(v[2]),
    state: v[3] as JobState,
    priority: v[4] as number,
    timeoutMs: v[5] as number | null,
    runAt: v[6] as number | null,
    retry: decode(v[7]) as RetryInfo,
    attempt: v[8] as number,
    labels: decode(v[9]) as Record<string, string>,
    scheduleId: v[10] as string | null,
    dueAt: v[11] as number | null,
    progress: decode(v[12]) as JobRecord['progress'],
    result: decode(v[13]),
    error: decode(v[14]) as JobErrorInfo | null,
    cancel: decode(v[15]) as CancelInfo | null,
    createdAt: v[16] as number,
    startedAt: v[17] as number | null,
    finishedAt: v[18] as number | null,
    updatedAt: v[19] as number,
    instance: v[20] as string | null,
    owner: v[21] as string | null,
    leaseUntil: v[22] as number | null,
  }
}

const PATCH_COLUMNS: { [K in keyof JobPatch]-?: [column: string, encode: (v: JobPatch[K]) => unknown] } = {
  state: ['state', (v) => v],
  runAt: ['run_at', (v) => v],
  attempt: ['attempt', (v) => v],
  progress: ['progress', json],
  result: ['result', json],
  error: ['error', json],
  cancel: ['cancel', json],
  startedAt: ['started_at', (v) => v],
  finishedAt: ['finished_at', (v) => v],
  owner: ['owner', (v) => v],
  leaseUntil: ['lease_until', (v) => v],
  updatedAt: ['updated_at', (v) => v],
}

/** The patch's fields in a stable order: bit i of a patch's shape stands for PATCH_FIELDS[i]. */
const PATCH_FIELDS = Object.keys(PATCH_COLUMNS) as (keyof JobPatch)[]
/** Bits a patch's shape uses (the ones above are free for an adapter's own flags). */
export const PATCH_SHAPE_BITS = PATCH_FIELDS.length

/** The columns a shape sets, in PATCH_FIELDS order. */
export function shapeColumns(mask: number): string[] {
  return PATCH_FIELDS.filter((_, i) => (mask & (1 << i)) !== 0).map((key) => PATCH_COLUMNS[key][0])
}

/**
 * A patch as its shape (which fields it sets, as a bit mask, so the statement for it can be looked
 * up by a number instead of built and hashed per write) and the encoded values of those fields.
 */
export function patchShape(patch: JobPatch): { mask: number; values: unknown[] } {
  let mask = 0
  const values: unknown[] = []
  for (let i = 0; i < PATCH_FIELDS.length; i++) {
    const key = PATCH_FIELDS[i] as keyof JobPatch
    if (!(key in patch)) continue
    mask |= 1 << i
    values.push((PATCH_COLUMNS[key][1] as (v: unknown) => unknown)(patch[key]))
  }
  return { mask, values }
}

export const encodeJson = json

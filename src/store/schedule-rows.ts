import type { CatchUp, Overlap } from '../model/policies.ts'
import type {
  JobTemplate,
  NewSchedule,
  SchedulePatch,
  ScheduleRecord,
  ScheduleState,
} from '../model/schedule.ts'
import type { Trigger } from '../model/trigger.ts'
import type { DecodeJson } from './rows.ts'

/** A `schedules` row as both SQL adapters return it: snake_case columns, documents per {@link DecodeJson}. */
export interface ScheduleRow {
  id: string
  name: string
  trigger: unknown
  job: unknown
  overlap: string
  catch_up: string
  jitter_ms: number
  start_at: number | null
  end_at: number | null
  max_runs: number | null
  state: string
  next_run_at: number | null
  last_run_at: number | null
  run_count: number
  skipped_count: number
  last_lateness_ms: number | null
  pending_due_at: number | null
  daemon_failures: number
  created_at: number
  updated_at: number
  version: number
}

export function scheduleFromRow(row: ScheduleRow, decode: DecodeJson): ScheduleRecord {
  return {
    id: row.id,
    name: row.name,
    trigger: decode(row.trigger) as Trigger,
    job: decode(row.job) as JobTemplate,
    overlap: row.overlap as Overlap,
    catchUp: row.catch_up as CatchUp,
    jitterMs: row.jitter_ms,
    startAt: row.start_at,
    endAt: row.end_at,
    maxRuns: row.max_runs,
    state: row.state as ScheduleState,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    runCount: row.run_count,
    skippedCount: row.skipped_count,
    lastLatenessMs: row.last_lateness_ms,
    pendingDueAt: row.pending_due_at,
    daemonFailures: row.daemon_failures,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  }
}

/** Column values of a new schedule, in the order of {@link NEW_SCHEDULE_COLUMNS}. */
export function newScheduleValues(s: NewSchedule): unknown[] {
  return [
    s.id,
    s.name,
    JSON.stringify(s.trigger),
    JSON.stringify(s.job),
    s.overlap,
    s.catchUp,
    s.jitterMs,
    s.startAt,
    s.endAt,
    s.maxRuns,
    s.state,
    s.nextRunAt,
    s.createdAt,
    s.updatedAt,
  ]
}
export const NEW_SCHEDULE_COLUMNS = [
  'id',
  'name',
  'trigger',
  'job',
  'overlap',
  'catch_up',
  'jitter_ms',
  'start_at',
  'end_at',
  'max_runs',
  'state',
  'next_run_at',
  'created_at',
  'updated_at',
] as const

type PatchField = Exclude<keyof SchedulePatch, 'addRuns' | 'addSkipped' | 'ticks'>
const same = (v: unknown) => v
const json = (v: unknown) => JSON.stringify(v)

const PATCH_COLUMNS: { [K in PatchField]-?: [column: string, encode: (v: unknown) => unknown] } = {
  name: ['name', same],
  trigger: ['trigger', json],
  job: ['job', json],
  overlap: ['overlap', same],
  catchUp: ['catch_up', same],
  jitterMs: ['jitter_ms', same],
  startAt: ['start_at', same],
  endAt: ['end_at', same],
  maxRuns: ['max_runs', same],
  state: ['state', same],
  nextRunAt: ['next_run_at', same],
  lastRunAt: ['last_run_at', same],
  lastLatenessMs: ['last_lateness_ms', same],
  pendingDueAt: ['pending_due_at', same],
  daemonFailures: ['daemon_failures', same],
  updatedAt: ['updated_at', same],
}

/**
 * `SET` assignments for a patch, in a stable order so statements can be cached by shape. Counters
 * are increments and `version` always goes up by one. `param(i)` spells the i-th (0-based)
 * placeholder of the dialect: `?` in SQLite, `$n` in PostgreSQL.
 */
export function schedulePatchSql(
  patch: SchedulePatch,
  param: (index: number) => string,
): { assignments: string[]; values: unknown[] } {
  const assignments: string[] = []
  const values: unknown[] = []
  const set = (sql: (p: string) => string, value: unknown) => {
    assignments.push(sql(param(values.length)))
    values.push(value)
  }
  for (const key of Object.keys(PATCH_COLUMNS) as PatchField[]) {
    if (patch[key] === undefined) continue // absent; null clears
    const [column, encode] = PATCH_COLUMNS[key]
    set((p) => `${column} = ${p}`, encode(patch[key]))
  }
  if (patch.addRuns) set((p) => `run_count = run_count + ${p}`, patch.addRuns)
  if (patch.addSkipped) set((p) => `skipped_count = skipped_count + ${p}`, patch.addSkipped)
  assignments.push('version = version + 1')
  return { assignments, values }
}

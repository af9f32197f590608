import type { JobPatch, JobRecord } from '../../model/job.ts'
import type { JobState } from '../../model/job-state.ts'
import type { JobRow } from '../rows.ts'
import type { Queryable } from './db.ts'
import { fromRow, rowColumns } from './job-read.ts'

/** Columns a transition may set, with their SQL types in the batch's recordset. */
const COLUMNS = [
  ['state', 'text'],
  ['run_at', 'bigint'],
  ['attempt', 'integer'],
  ['progress', 'jsonb'],
  ['result', 'jsonb'],
  ['error', 'jsonb'],
  ['cancel', 'jsonb'],
  ['started_at', 'bigint'],
  ['finished_at', 'bigint'],
  ['owner', 'text'],
  ['lease_until', 'bigint'],
  ['updated_at', 'bigint'],
  ['ready_at', 'bigint'],
] as const
type Column = (typeof COLUMNS)[number][0]

const FIELD_COLUMN: { [K in keyof JobPatch]-?: Column } = {
  state: 'state',
  runAt: 'run_at',
  attempt: 'attempt',
  progress: 'progress',
  result: 'result',
  error: 'error',
  cancel: 'cancel',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  owner: 'owner',
  leaseUntil: 'lease_until',
  updatedAt: 'updated_at',
}
const JSON_COLUMNS = new Set<Column>(['progress', 'result', 'error', 'cancel'])

// $1 a JSON array of {id, from, owner, set, <column>…}: each row's compare-and-set (state in
// `from`, and owner when given) and the columns it sets (`set`); the others keep their value. $2
// the same ids as an array: the planner takes a function scan for 100 rows of unknown keys and,
// while the table is small or its statistics stale, hash-joined it with a sequential scan of every
// job (15 ms a batch at 20k jobs, growing with the table); `id = ANY` makes it a primary-key lookup.
const transitionMany = (returning: string) => `UPDATE jobs j SET
  ${COLUMNS.map(([c]) => `${c} = CASE WHEN x.set ? '${c}' THEN x.${c} ELSE j.${c} END`).join(',\n  ')}
  FROM jsonb_to_recordset($1::jsonb) AS x(id text, "from" jsonb, must_owner text, set jsonb,
    ${COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})
  WHERE j.id = ANY($2::text[]) AND j.id = x.id AND x."from" ? j.state AND (x.must_owner IS NULL OR j.owner = x.must_owner)
  RETURNING ${returning}`
export const TRANSITION_MANY = transitionMany(rowColumns('j'))
/**
 * A batch of outcomes only: what another instance may have changed, not the whole row (the writer
 * knows the rest). Reading the rows back was a fifth of the statement and most of the parsing.
 */
const TRANSITION_MANY_KNOWN = transitionMany('j.id, j.cancel, j.progress')

/** What `known` answers: the columns of an applied transition that its writer cannot know. */
export type KnownAfter = Pick<JobRecord, 'cancel' | 'progress'>

interface Pending {
  entry: Record<string, unknown>
  /** The whole record (`transition`) or only what `known` answers. */
  whole: boolean
  resolve(row: JobRecord | KnownAfter | undefined): void
  reject(err: unknown): void
}

interface Batch {
  ids: Set<string>
  items: Pending[]
}

/**
 * Every transition of an event-loop turn in one statement, so one commit (one WAL flush) serves
 * many: a commit each was the ceiling of a pool (~100 outcomes a second here, each waiting for
 * its own flush), as graphile-worker found before us (its batched completions). Each row keeps
 * its own compare-and-set; a job that appears twice in a turn goes into the next statement, in
 * order, since one UPDATE can change a row only once.
 */
export class TransitionBatcher {
  readonly #db: Queryable
  #batches: Batch[] = []
  #scheduled = false

  constructor(db: Queryable) {
    this.#db = db
  }

  transition(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<JobRecord | undefined> {
    return this.#add(id, from, patch, owner, true) as Promise<JobRecord | undefined>
  }

  /** See JobStore.transitionKnown. */
  known(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner?: string,
  ): Promise<KnownAfter | undefined> {
    return this.#add(id, from, patch, owner, false) as Promise<KnownAfter | undefined>
  }

  #add(
    id: string,
    from: readonly JobState[],
    patch: JobPatch,
    owner: string | undefined,
    whole: boolean,
  ): Promise<JobRecord | KnownAfter | undefined> {
    const entry: Record<string, unknown> = { id, from, must_owner: owner ?? null }
    const set: Column[] = []
    for (const key of Object.keys(patch) as (keyof JobPatch)[]) {
      const column = FIELD_COLUMN[key]
      if (column === undefined) continue
      set.push(column)
      entry[column] = patch[key] ?? null
    }
    // As in the SQLite adapter: entering the queue (again) or a backoff sets the claim order.
    if (patch.state === 'queued' || patch.state === 'scheduled') {
      set.push('ready_at')
      entry.ready_at = patch.state === 'queued' ? patch.updatedAt : (patch.runAt ?? patch.updatedAt)
    }
    entry.set = set
    for (const column of JSON_COLUMNS) if (entry[column] === undefined) entry[column] = null
    return new Promise((resolve, reject) => {
      let batch = this.#batches.at(-1)
      if (!batch || batch.ids.has(id)) {
        batch = { ids: new Set(), items: [] }
        this.#batches.push(batch)
      }
      batch.ids.add(id)
      batch.items.push({ entry, whole, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => void this.#flush())
      }
    })
  }

  async #flush(): Promise<void> {
    this.#scheduled = false
    const batches = this.#batches
    this.#batches = []
    for (const { items } of batches) {
      // Some item wants its whole record: the batch returns whole rows, and `known` reads from them.
      const whole = items.some((i) => i.whole)
      try {
        const rows = await this.#db.query<JobRow>(
          whole ? TRANSITION_MANY : TRANSITION_MANY_KNOWN,
          [JSON.stringify(items.map((i) => i.entry)), items.map((i) => i.entry.id as string)],
          whole ? 'jobvisor_transition_many' : 'jobvisor_transition_known',
        )
        const byId = new Map(rows.map((row) => [row.id, row]))
        for (const item of items) {
          const row = byId.get(item.entry.id as string)
          if (row === undefined) item.resolve(undefined)
          else if (item.whole) item.resolve(fromRow(row))
          else
            item.resolve({
              cancel: row.cancel as KnownAfter['cancel'],
              progress: row.progress as KnownAfter['progress'],
            })
        }
      } catch (err) {
        for (const item of items) item.reject(err)
      }
    }
  }
}

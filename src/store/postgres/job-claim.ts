import type { JobRecord } from '../../model/job.ts'
import type { JobRow } from '../rows.ts'
import type { ClaimOptions } from '../store.ts'
import type { PgDatabase, Queryable } from './db.ts'
import { fromRow, rowColumns } from './job-read.ts'

// $1 owner, $2 lease_until, $3 now, $4 excluded types, $5 limit, $6 instance. Queued jobs in claim
// order, rows another instance is claiming skipped (SKIP LOCKED), moved to running in one statement.
// The chosen ids go in as an array, not a join: with `LIMIT $5` unknown, the generic plan of a join
// expected a tenth of the table and hash-joined it with a scan of every job.
export const CLAIM = `UPDATE jobs j SET state = 'running', owner = $1, lease_until = $2, started_at = $3, updated_at = $3,
    instance = $6
  WHERE j.id = ANY(ARRAY(SELECT id FROM jobs WHERE state = 'queued' AND NOT (type = ANY($4::text[]))
        ORDER BY priority DESC, ready_at, id LIMIT $5 FOR UPDATE SKIP LOCKED))
  RETURNING ${rowColumns('j')}, j.ready_at`

// $1 excluded types, $2 how many candidates; locked until the transaction ends.
const CANDIDATES = `SELECT id, type FROM jobs WHERE state = 'queued' AND NOT (type = ANY($1::text[]))
  ORDER BY priority DESC, ready_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`

// $1 owner, $2 lease_until, $3 now, $4 chosen ids (locked by CANDIDATES in this transaction), $5 instance.
const START = `UPDATE jobs SET state = 'running', owner = $1, lease_until = $2, started_at = $3, updated_at = $3,
    instance = $5 WHERE id = ANY($4::text[]) RETURNING *`

type ClaimedRow = JobRow & { ready_at: number }

/** RETURNING gives no order: claims are started in claim order. */
const inClaimOrder = (a: ClaimedRow, b: ClaimedRow) =>
  b.priority - a.priority || a.ready_at - b.ready_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * See JobStore.claim. Without per-type limits one statement; with them, the candidates (a little
 * past `limit`, so room can skip a few of a full type) are locked and chosen in one transaction.
 */
export async function claimJobs(
  db: PgDatabase,
  owner: string,
  now: number,
  options: ClaimOptions,
): Promise<JobRecord[]> {
  const { limit, leaseUntil, excludeTypes, typeRoom } = options
  let rows: ClaimedRow[]
  if (Object.keys(typeRoom).length === 0) {
    rows = await db.query<ClaimedRow>(
      CLAIM,
      [owner, leaseUntil, now, excludeTypes, limit, options.instance],
      'jobvisor_claim',
    )
  } else {
    rows = await db.tx(async (tx: Queryable) => {
      const candidates = await tx.query<{ id: string; type: string }>(CANDIDATES, [excludeTypes, limit * 2])
      const room = { ...typeRoom }
      const chosen: string[] = []
      for (const c of candidates) {
        if (chosen.length >= limit) break
        const left = room[c.type]
        if (left !== undefined) {
          if (left <= 0) continue
          room[c.type] = left - 1
        }
        chosen.push(c.id)
      }
      return chosen.length === 0
        ? []
        : tx.query<ClaimedRow>(START, [owner, leaseUntil, now, chosen, options.instance])
    })
  }
  return rows.sort(inClaimOrder).map(fromRow)
}

// $1 now, $2 limit; the due ids as an array, as in CLAIM.
export const PROMOTE = `UPDATE jobs j SET state = 'queued', updated_at = $1, ready_at = j.run_at
  WHERE j.id = ANY(ARRAY(SELECT id FROM jobs WHERE state = 'scheduled' AND run_at <= $1 ORDER BY run_at LIMIT $2
        FOR UPDATE SKIP LOCKED))
  RETURNING j.*`

/** See JobStore.promoteDue; earliest due first. */
export async function promoteDueJobs(db: Queryable, now: number, limit: number): Promise<JobRecord[]> {
  const rows = await db.query<ClaimedRow>(PROMOTE, [now, limit])
  return rows.sort((a, b) => (a.run_at ?? 0) - (b.run_at ?? 0) || (a.id < b.id ? -1 : 1)).map(fromRow)
}

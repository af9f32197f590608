import type { JobRecord } from '../../model/job.ts'
import type { JobRow } from '../rows.ts'
import type { Queryable } from './db.ts'
import { fromRow } from './job-read.ts'

export async function setJobProgress(
  db: Queryable,
  id: string,
  progress: { percent: number; message?: string },
  now: number,
): Promise<JobRecord | undefined> {
  const [row] = await db.query<JobRow>(
    `UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3 AND state IN ('running', 'cancelling')
     RETURNING *`,
    [JSON.stringify(progress), now, id],
  )
  return row && fromRow(row)
}

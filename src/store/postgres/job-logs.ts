import type { LogLine, NewLogLine } from '../../model/job.ts'
import type { PgDatabase } from './db.ts'

// $1..$4 the lines' job ids, times, levels and messages, in order. A line of a job deleted
// meanwhile (a handler forced past its grace may log late) is dropped.
const APPEND = `INSERT INTO job_logs (job_id, time, level, msg)
  SELECT u.job_id, u.time, u.level, u.msg
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS u(job_id, time, level, msg, n)
  WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.id = u.job_id)
  ORDER BY u.n`

// $1 the jobs written to, $2 lines kept per job: everything older than the newest $2 goes.
const TRIM = `DELETE FROM job_logs l
  USING (SELECT j.id, (SELECT seq FROM job_logs WHERE job_id = j.id ORDER BY seq DESC OFFSET $2 LIMIT 1) AS cut
         FROM unnest($1::text[]) AS j(id)) c
  WHERE l.job_id = c.id AND l.seq <= c.cut`

/** See JobStore.appendLogs: one transaction, so the trim sees the lines it bounds. */
export async function appendJobLogs(
  db: PgDatabase,
  lines: readonly NewLogLine[],
  maxPerJob: number,
): Promise<void> {
  if (lines.length === 0) return
  await db.tx(async (tx) => {
    await tx.query(APPEND, [
      lines.map((l) => l.jobId),
      lines.map((l) => l.time),
      lines.map((l) => l.level),
      lines.map((l) => l.msg),
    ])
    await tx.query(TRIM, [[...new Set(lines.map((l) => l.jobId))], maxPerJob])
  })
}

export async function jobLogs(
  db: PgDatabase,
  jobId: string,
  after: number,
  limit: number,
): Promise<LogLine[]> {
  return db.query<LogLine>(
    'SELECT seq, time, level, msg FROM job_logs WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [jobId, after, limit],
  )
}

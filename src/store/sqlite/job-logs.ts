import type { LogLine, NewLogLine } from '../../model/job.ts'
import type { Stmt } from './job-read.ts'

/** Appends log lines, keeping the newest `maxPerJob` per job; runs inside one transaction. */
export function appendLogsNow(stmt: Stmt, lines: readonly NewLogLine[], maxPerJob: number): void {
  // A handler forced past its grace may still log after its job was deleted: drop those lines.
  const insert = stmt(
    'INSERT INTO job_logs (job_id, time, level, msg) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ?)',
  )
  const touched = new Set<string>()
  for (const line of lines) {
    insert.run(line.jobId, line.time, line.level, line.msg, line.jobId)
    touched.add(line.jobId)
  }
  // The end of a log is what explains a failure.
  const trim = stmt(
    `DELETE FROM job_logs WHERE job_id = ? AND seq <= (
       SELECT seq FROM job_logs WHERE job_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  )
  for (const jobId of touched) trim.run(jobId, jobId, maxPerJob)
}

export function jobLogs(stmt: Stmt, jobId: string, after: number, limit: number): LogLine[] {
  return stmt(
    'SELECT seq, time, level, msg FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  ).all(jobId, after, limit) as LogLine[]
}

/**
 * P8's fan-in reference: bare Fastify with jobvisor's logger and better-sqlite3 (WAL, ref-db.ts).
 * `POST /v1/fan-in { count, spanMs }` inserts `count` running rows, then completes them one by one
 * from timers spread over `spanMs` — each completion committed (one transaction per event-loop
 * turn) — and holds the request until the last commit, when it answers with every job, shaped as
 * jobvisor's `POST /v1/jobs/wait` reply. The platform's cost of the same fan-in.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../src/logger.ts'
import { type JobShape, jobView } from './job-view.ts'
import { openReferenceDb, perTurn } from './ref-db.ts'

const db = openReferenceDb(process.env.BENCH_DB)
let seq = 0
const insert = db.prepare(
  "INSERT INTO jobs (id, type, state, created_at, started_at) VALUES (?, 'sleep', 'running', ?, ?)",
)
const insertAll = db.transaction((jobs: JobShape[]) => {
  for (const job of jobs) insert.run(job.id, job.createdAt, job.startedAt)
})
const finish = db.prepare("UPDATE jobs SET state = 'succeeded', finished_at = ? WHERE id = ?")
const finishAll = db.transaction((jobs: JobShape[]) => {
  for (const job of jobs) finish.run(job.finishedAt, job.id)
})

function fanIn(count: number, spanMs: number): Promise<JobShape[]> {
  const now = Date.now()
  const jobs: JobShape[] = Array.from({ length: count }, (_, k) => ({
    id: `ref-${String(++seq).padStart(8, '0')}`,
    type: 'sleep',
    params: { ms: Math.floor((k * spanMs) / count) },
    state: 'running',
    createdAt: now,
    startedAt: now,
  }))
  insertAll(jobs)
  let left = count
  return new Promise((resolve) => {
    const record = perTurn((batch: JobShape[]) => {
      finishAll(batch)
      for (const job of batch) job.state = 'succeeded'
      left -= batch.length
      if (left === 0) resolve(jobs)
    })
    jobs.forEach((job, k) => {
      setTimeout(
        () => {
          job.finishedAt = Date.now()
          record(job)
        },
        Math.floor((k * spanMs) / count),
      )
    })
  })
}

const app = Fastify({
  loggerInstance: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }) as FastifyBaseLogger,
})
app.get('/readyz', async () => ({ status: 'ok' }))
app.post<{ Body: { count: number; spanMs: number } }>('/v1/fan-in', async (req) => {
  const jobs = await fanIn(req.body.count, req.body.spanMs)
  return { done: jobs.map(jobView), pending: [] }
})

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

/**
 * P3's reference: what the hardware allows for a cancel — bare Fastify with jobvisor's logger
 * (src/logger.ts, info, request logging on) and better-sqlite3 in WAL (ref-db.ts). A cancel commits
 * one row (an UPDATE of its state, one transaction), answers the long-polls held on that row, then
 * replies. It serves jobvisor's paths and body shapes (`POST /v1/jobs/batch`, `POST /v1/jobs/wait`
 * on one id, `POST /v1/jobs/:id/cancel`), so P3 drives both with the very same client loop.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../src/logger.ts'
import { jobView } from './job-view.ts'
import { openReferenceDb } from './ref-db.ts'

const db = openReferenceDb(process.env.BENCH_DB)
const insert = db.prepare(
  "INSERT INTO jobs (id, type, state, created_at, started_at) VALUES (?, ?, 'running', ?, ?)",
)
const insertAll = db.transaction((ids: string[], type: string, now: number) => {
  for (const id of ids) insert.run(id, type, now, now)
})
const cancelRow = db.prepare(
  "UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'running'",
)
// One transaction per cancel, as BEGIN … COMMIT rather than autocommit, like a store write.
const cancelTx = db.transaction((id: string, now: number) => cancelRow.run(now, id).changes)
interface Row {
  id: string
  type: string
  state: string
  created_at: number
  started_at: number | null
  finished_at: number | null
}
const readRow = db.prepare<[string], Row>('SELECT * FROM jobs WHERE id = ?')
const view = (row: Row) =>
  jobView({
    id: row.id,
    type: row.type,
    state: row.state,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  })

const held = new Map<string, ((row: Row) => void)[]>()
let seq = 0

const app = Fastify({
  loggerInstance: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }) as FastifyBaseLogger,
})
app.get('/readyz', async () => ({ status: 'ok' }))

app.post<{ Body: { jobs: { type: string }[] } }>('/v1/jobs/batch', async (req, reply) => {
  const now = Date.now()
  const ids = req.body.jobs.map(() => `ref-${String(++seq).padStart(8, '0')}`)
  insertAll(ids, req.body.jobs[0]?.type ?? 'sleep', now)
  reply.code(201)
  return { items: ids.map((id) => view(readRow.get(id) as Row)) }
})

// Rows are inserted running, so the loop's "anything still queued?" poll finds nothing here.
app.get('/v1/jobs', async () => ({ items: [], nextCursor: null }))

app.post<{ Body: { ids: string[] } }>('/v1/jobs/wait', async (req) => {
  const id = req.body.ids[0] ?? ''
  const row = readRow.get(id)
  if (!row) return { done: [], pending: [] }
  const settled =
    row.state === 'running'
      ? await new Promise<Row>((resolve) => {
          const list = held.get(id) ?? []
          list.push(resolve)
          held.set(id, list)
        })
      : row
  return { done: [view(settled)], pending: [] }
})

app.post<{ Params: { id: string } }>('/v1/jobs/:id/cancel', async (req, reply) => {
  const { id } = req.params
  if (cancelTx(id, Date.now()) === 0) {
    reply.code(409)
    return { title: 'Conflict', detail: `job ${id} is not running` }
  }
  const row = readRow.get(id) as Row
  const waiters = held.get(id) ?? []
  held.delete(id)
  for (const release of waiters) release(row)
  reply.code(202)
  return view(row)
})

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

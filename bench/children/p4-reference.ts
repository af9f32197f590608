/**
 * P4's reference: what the hardware allows for a timeout — N AbortController timeouts in one
 * process, each aborting an abortable sleep (the "job"), each outcome committed to SQLite (WAL,
 * ref-db.ts), one transaction per event-loop turn. Lateness = commit returned − armed − timeout, in
 * high resolution. It is a Fastify server with jobvisor's logger, so that under load it also takes
 * creates: `POST /v1/jobs` inserts one row. `POST /timeouts { timeouts }` arms them and replies
 * when every outcome is committed.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../src/logger.ts'
import { wallNow } from '../lib/stats.ts'
import { openReferenceDb, perTurn } from './ref-db.ts'

const db = openReferenceDb(process.env.BENCH_DB)
let seq = 0
const nextId = () => `ref-${String(++seq).padStart(8, '0')}`
const insertJob = db.prepare("INSERT INTO jobs (id, type, state, created_at) VALUES (?, ?, 'queued', ?)")
const insertOutcome = db.prepare(
  "INSERT INTO jobs (id, type, state, created_at, started_at, finished_at) VALUES (?, 'sleep', 'timed_out', ?, ?, ?)",
)

/** Resolves after `ms`, rejects with the signal's reason when it aborts first (a sleep honouring its signal). */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}

interface Outcome {
  k: number
  startedAt: number
  settledAt: number
}

function runTimeouts(timeouts: readonly number[]): Promise<{ committed: number[]; settled: number[] }> {
  const committed: number[] = new Array(timeouts.length)
  const settled: number[] = new Array(timeouts.length)
  let left = timeouts.length
  return new Promise((resolve) => {
    const commitAll = db.transaction((batch: Outcome[]) => {
      for (const o of batch)
        insertOutcome.run(nextId(), Math.floor(o.startedAt), Math.floor(o.startedAt), Math.floor(o.settledAt))
    })
    const record = perTurn((batch: Outcome[]) => {
      commitAll(batch)
      const at = wallNow()
      for (const o of batch) committed[o.k] = at - o.startedAt - (timeouts[o.k] ?? 0)
      left -= batch.length
      if (left === 0) resolve({ committed, settled })
    })
    timeouts.forEach((timeoutMs, k) => {
      const controller = new AbortController()
      const startedAt = wallNow()
      const timer = setTimeout(() => controller.abort(new Error('timed out')), timeoutMs)
      abortableSleep(10_000, controller.signal).then(
        () => clearTimeout(timer),
        () => {
          const settledAt = wallNow()
          settled[k] = settledAt - startedAt - timeoutMs
          record({ k, startedAt, settledAt })
        },
      )
    })
  })
}

const app = Fastify({
  loggerInstance: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }) as FastifyBaseLogger,
})
app.get('/readyz', async () => ({ status: 'ok' }))
app.post<{ Body: { type: string } }>('/v1/jobs', async (req, reply) => {
  const id = nextId()
  const now = Date.now()
  insertJob.run(id, req.body.type, now)
  reply.code(201)
  return { id, type: req.body.type, state: 'queued', createdAt: new Date(now).toISOString() }
})
app.post<{ Body: { timeouts: number[] } }>('/timeouts', async (req) => runTimeouts(req.body.timeouts))

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

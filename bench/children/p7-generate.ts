/**
 * P7's history: N finished jobs written straight into a SQLite store (the service's own schema,
 * via openSqlite's migrations), in big transactions. Ids are ULIDs of increasing creation times
 * spread over the past week, so id order is time order as the service would have made it.
 */
import { ulid } from 'ulid'
import { openSqlite } from '../../src/store/sqlite/index.ts'
import { runMain } from './ipc.ts'

const [path = 'p7.db', countArg = '1000000'] = process.argv.slice(2)
const count = Number(countArg)

// A deterministic generator (mulberry32), so every run builds the same history. (An LCG in
// float arithmetic lost precision here and never drew below 0.001: no job got the rare label.)
let seed = 42
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
const pick = <T>(weighted: readonly (readonly [T, number])[]): T => {
  let r = random()
  for (const [value, weight] of weighted) {
    r -= weight
    if (r < 0) return value
  }
  return weighted[weighted.length - 1]?.[0] as T
}

export const STATES = [
  ['succeeded', 0.88],
  ['failed', 0.05],
  ['timed_out', 0.02],
  ['cancelled', 0.05],
] as const
export const TYPES = [
  ['noop', 0.35],
  ['http', 0.35],
  ['sleep', 0.15],
  ['command', 0.1],
  ['report.daily', 0.05],
] as const
const TEAMS = [
  ['payments', 0.2],
  ['search', 0.2],
  ['ops', 0.2],
  ['growth', 0.2],
  ['infra', 0.2],
] as const

const PARAMS: Record<string, () => unknown> = {
  noop: () => ({}),
  sleep: () => ({ ms: Math.floor(random() * 5000) }),
  http: () => ({ url: `https://api.example.com/v2/items/${Math.floor(random() * 1e6)}`, method: 'POST' }),
  command: () => ({ command: 'backup', args: ['--target', `/srv/data/${Math.floor(random() * 100)}`] }),
  'report.daily': () => ({ day: '2026-11-20', format: 'pdf' }),
}

runMain(async () => {
  const store = await openSqlite(path)
  const db = store.database
  // Bulk load only: no fsync, a big page cache. The service reopens the file with its own settings.
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -1000000')
  const insertJob = db.prepare(
    `INSERT INTO jobs (id, type, params, state, priority, timeout_ms, run_at, ready_at, retry, attempt, labels,
       schedule_id, due_at, progress, result, error, cancel, created_at, started_at, finished_at, updated_at)
     VALUES (?, ?, ?, ?, 0, ?, NULL, ?, '{"maxAttempts":1}', 1, ?, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertLabel = db.prepare('INSERT INTO job_labels (job_id, key, value) VALUES (?, ?, ?)')
  const end = Date.now() - 60_000
  const start = end - 7 * 86_400_000
  const step = (end - start) / count
  const midIds: string[] = []
  const writeRange = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const createdAt = Math.floor(start + i * step)
      const id = ulid(createdAt, random) // our PRNG: ulid's crypto one would dominate the run
      const type = pick(TYPES)
      const state = pick(STATES)
      const labels: Record<string, string> = { team: pick(TEAMS), env: random() < 0.9 ? 'prod' : 'staging' }
      if (random() < 0.001) labels.customer = 'acme'
      const startedAt = createdAt + Math.floor(random() * 50)
      const finishedAt = startedAt + Math.floor(random() * 2000)
      const result =
        state === 'succeeded' && type === 'http' ? '{"status":200,"headers":{},"body":"ok"}' : null
      const error =
        state === 'failed'
          ? '{"name":"Error","message":"upstream answered 503"}'
          : state === 'timed_out'
            ? '{"name":"TimeoutError","message":"timed out after 30000 ms","code":"timeout"}'
            : null
      const cancel =
        state === 'cancelled'
          ? `{"mode":"immediate","reason":null,"requestedAt":${finishedAt},"forced":false,"graceMs":5000}`
          : null
      insertJob.run(
        id,
        type,
        JSON.stringify(PARAMS[type]?.() ?? {}),
        state,
        type === 'http' ? 30_000 : null,
        createdAt,
        JSON.stringify(labels),
        result,
        error,
        cancel,
        createdAt,
        startedAt,
        finishedAt,
        finishedAt,
      )
      for (const [key, value] of Object.entries(labels)) insertLabel.run(id, key, value)
      // Cursor targets for the deep page: ids between 40 % and 60 % of the history.
      if (i >= count * 0.4 && i < count * 0.6 && i % Math.max(1, Math.floor(count / 5000)) === 0)
        midIds.push(id)
    }
  })
  const started = performance.now()
  for (let from = 0; from < count; from += 50_000) writeRange(from, Math.min(count, from + 50_000))
  db.exec('ANALYZE')
  const ms = performance.now() - started
  await store.close()
  return { ms, midIds }
})

/**
 * Which statements a PostgreSQL run sends, and how long they take: `tsx bench/tools/pg-statements.ts
 * <url> [count]` creates `count` noop jobs through the engine API (as P2's engine child) and prints
 * the statements by count and total time. For finding round trips to remove, not a benchmark.
 * JOBVISOR_MAX_CONCURRENCY sets the handlers at once (P2 runs 500).
 */
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import type { JobInput } from '../../src/model/job-input.ts'
import { createService } from '../../src/service.ts'
import { PgDatabase } from '../../src/store/postgres/db.ts'
import { chunks } from '../lib/stats.ts'

const [url, countArg = '5000'] = process.argv.slice(2)
if (!url) throw new Error('usage: pg-statements.ts <postgres url> [count]')
const count = Number(countArg)
const stats = new Map<string, { n: number; ms: number }>()
const note = (sql: string, ms: number) => {
  const key = sql.replace(/\s+/g, ' ').slice(0, 70)
  const s = stats.get(key) ?? { n: 0, ms: 0 }
  s.n++
  s.ms += ms
  stats.set(key, s)
}
const query = PgDatabase.prototype.query
PgDatabase.prototype.query = async function (this: PgDatabase, sql, params, name) {
  const t = performance.now()
  try {
    return await query.call(this, sql, params, name)
  } finally {
    note(sql, performance.now() - t)
  }
} as typeof query
const tx = PgDatabase.prototype.tx
PgDatabase.prototype.tx = async function <T>(this: PgDatabase, fn: Parameters<typeof tx>[0]): Promise<T> {
  const t = performance.now()
  try {
    return (await tx.call(this, fn)) as T
  } finally {
    note('(transaction)', performance.now() - t)
  }
} as typeof tx

const config = loadConfig({
  JOBVISOR_DB: url,
  JOBVISOR_MAX_CONCURRENCY: process.env.JOBVISOR_MAX_CONCURRENCY,
})
const service = await createService(config, createLogger({ level: 'warn' }))
let finished = 0
const done = new Promise<void>((resolve) =>
  service.engine.events.on('job', ({ type }) => {
    if (type === 'job:finished' && ++finished === count) resolve()
  }),
)
const inputs: JobInput[] = Array.from({ length: count }, () => ({ type: 'noop', params: {}, priority: 0 }))
const started = performance.now()
for (const part of chunks(inputs, 1000)) await service.engine.createMany(part)
await done
const ms = performance.now() - started
await service.shutdown(1000)
console.log(`${count} jobs in ${ms.toFixed(0)} ms: ${((count / ms) * 1000).toFixed(0)} jobs/s`)
for (const [sql, s] of [...stats].sort((a, b) => b[1].n - a[1].n).slice(0, 20))
  console.log(`${String(s.n).padStart(7)} × ${(s.ms / s.n).toFixed(2).padStart(6)} ms  ${sql}`)

/** P2, pg-boss 10's fastest mode: `insert` in chunks + several `work` loops fetching big batches. */

import pg from 'pg'
import PgBoss from 'pg-boss'
import { chunks, sleep } from '../lib/stats.ts'
import { runMain } from './ipc.ts'

const [url = '', countArg = '20000', workersArg = '4', batchArg = '500'] = process.argv.slice(2)
const count = Number(countArg)

runMain(async () => {
  // A schema of our own, dropped afterwards: nothing is left in the shared database.
  const schema = `jobvisor_bench_${process.pid}`
  const boss = new PgBoss({ connectionString: url, schema, supervise: false, schedule: false, max: 10 })
  boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`))
  try {
    await boss.start()
    const name = 'noop'
    await boss.createQueue(name)
    for (let w = 0; w < Number(workersArg); w++) {
      // 0.5 s is pg-boss's minimum polling interval: each loop fetches at most one batch per interval,
      // so several loops with big batches is its fastest documented setup.
      await boss.work(name, { batchSize: Number(batchArg), pollingIntervalSeconds: 0.5 }, async () => null)
    }
    const db = boss.getDb()
    const completed = async () => {
      const { rows } = await db.executeSql(
        `SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1 AND state = 'completed'`,
        [name],
      )
      return Number(rows[0]?.n ?? 0)
    }
    const started = performance.now()
    for (const part of chunks(
      Array.from({ length: count }, (_, i) => i),
      1000,
    )) {
      await boss.insert(part.map((i) => ({ name, data: { i } })))
    }
    while ((await completed()) < count) await sleep(10)
    const ms = performance.now() - started
    return { ms, jobsPerSec: (count / ms) * 1000 }
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {})
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  }
})

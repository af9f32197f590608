/**
 * The engine's and the API's behaviour tests, again on PostgreSQL: a store that is not this
 * process's alone (`exclusive: false`), so every fast path's general path runs — claims instead
 * of creates that skip the queue, outcomes read back, cancels told after the write, waits that
 * also poll, recovery by lease. Each test file is imported here, so its cases register again
 * under this file with the store set below. (engine.outcome-record checks the record the runner
 * builds: here from the cancel and progress the outcome's statement returns, not the whole row.)
 */
import { describe, it } from 'vitest'
import { openPostgres } from '../src/store/postgres/index.ts'
import { useTestStore } from './helpers/app.ts'
import { freshDatabase, freshSchema, postgresAvailable } from './helpers/postgres.ts'

const available = await postgresAvailable()
if (available === true) {
  const database = await freshDatabase()
  useTestStore(async (options) => openPostgres(await freshSchema(database), { poolSize: 4, ...options }))
  await import('./jobs/engine.cancel.test.ts')
  await import('./jobs/engine.concurrency.test.ts')
  await import('./jobs/engine.retry.test.ts')
  await import('./jobs/engine.timeout.test.ts')
  await import('./jobs/engine.misbehaving.test.ts')
  await import('./jobs/engine.outcome-record.test.ts')
  await import('./jobs/claim-loop.test.ts')
  await import('./routes/jobs-wait.test.ts')
  await import('./routes/jobs.scenarios.test.ts')
  await import('./routes/schedules.test.ts')
  await import('./routes/events.test.ts')
} else {
  describe('the engine on PostgreSQL', () => {
    it.skip(`skipped: ${available}`, () => {})
  })
}

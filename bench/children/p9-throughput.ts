/** P9: `count` jobs of `type` created with the engine API until all are `succeeded` in the store. */
import { pino } from 'pino'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import type { JobInput } from '../../src/model/job-input.ts'
import { createService } from '../../src/service.ts'
import { chunks } from '../lib/stats.ts'
import { runMain } from './ipc.ts'

const [db = 'p9.db', type = 'noop', countArg = '10000', workers = '2'] = process.argv.slice(2)
const count = Number(countArg)

runMain(async () => {
  // Both sides load the worker types, so the in-process run pays for the same pool of threads.
  const config = loadConfig({
    JOBVISOR_DB: db,
    JOBVISOR_TYPES: 'bench/children/p9-types.ts',
    JOBVISOR_WORKERS: workers,
  })
  const service = await createService(config, createLogger({ level: 'info' }, pino.destination('/dev/null')))
  const { engine } = service
  let finished = 0
  let succeeded = 0
  const allDone = new Promise<void>((resolve) => {
    // job:finished is emitted after the outcome is stored: counting it is reading the store.
    engine.events.on('job', ({ type: event, job }) => {
      if (event !== 'job:finished') return
      finished++
      if (job.state === 'succeeded') succeeded++
      if (finished === count) resolve()
    })
  })
  // Warm-up: every thread has imported the types module before the clock starts.
  const warm = await engine.createMany(Array.from({ length: 50 }, () => ({ type, params: {}, priority: 0 })))
  await engine.wait(
    warm.map((j) => j.id),
    { timeoutMs: 60_000, returnWhen: 'all_completed', cancelPending: false },
  )
  finished = 0
  succeeded = 0
  const inputs: JobInput[] = Array.from({ length: count }, () => ({ type, params: {}, priority: 0 }))
  const started = performance.now()
  for (const part of chunks(inputs, 1000)) await engine.createMany(part)
  await allDone
  const ms = performance.now() - started
  await service.shutdown(1000)
  if (succeeded !== count) throw new Error(`${type}: ${succeeded} of ${count} jobs succeeded`)
  return { ms, jobsPerSec: (count / ms) * 1000 }
})

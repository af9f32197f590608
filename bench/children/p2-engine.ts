/** P2, jobvisor through the engine API: createMany in chunks of 1000 until all `succeeded` in the store. */
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import type { JobInput } from '../../src/model/job-input.ts'
import { createService } from '../../src/service.ts'
import { chunks } from '../lib/stats.ts'
import { runMain } from './ipc.ts'

const [db = 'p2-engine.db', countArg = '20000'] = process.argv.slice(2)
const count = Number(countArg)

runMain(async () => {
  // The scenario sets how many jobs run at once (see P2_CONCURRENCY there).
  const config = loadConfig({
    JOBVISOR_DB: db,
    JOBVISOR_MAX_CONCURRENCY: process.env.JOBVISOR_MAX_CONCURRENCY,
  })
  const service = await createService(config, createLogger({ level: config.JOBVISOR_LOG_LEVEL }))
  const { engine } = service
  let succeeded = 0
  let finished = 0
  const allDone = new Promise<void>((resolve) => {
    // job:finished is emitted after the outcome is stored: counting it is reading the store.
    engine.events.on('job', ({ type, job }) => {
      if (type !== 'job:finished') return
      finished++
      if (job.state === 'succeeded') succeeded++
      if (finished === count) resolve()
    })
  })
  const inputs: JobInput[] = Array.from({ length: count }, () => ({ type: 'noop', params: {}, priority: 0 }))
  const started = performance.now()
  for (const part of chunks(inputs, 1000)) await engine.createMany(part)
  await allDone
  const ms = performance.now() - started
  const counts = await service.store.jobs.countByState()
  await service.shutdown(1000)
  if (succeeded !== count || counts.succeeded !== count) {
    throw new Error(`expected ${count} succeeded, events say ${succeeded}, store says ${counts.succeeded}`)
  }
  return { ms, jobsPerSec: (count / ms) * 1000 }
})

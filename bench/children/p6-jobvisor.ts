/** P6, jobvisor: RSS over baseline with N `sleep` jobs running (engine API, concurrency N). */
import { join } from 'node:path'
import { pino } from 'pino'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import type { JobInput } from '../../src/model/job-input.ts'
import { createService } from '../../src/service.ts'
import { chunks, sleep } from '../lib/stats.ts'
import { runMain } from './ipc.ts'
import { settledRss } from './memory.ts'

const [dir = '.', countArg = '100000', warmupArg = '2000'] = process.argv.slice(2)
const count = Number(countArg)

runMain(async () => {
  const config = loadConfig({
    JOBVISOR_DB: join(dir, 'p6.db'),
    JOBVISOR_MAX_CONCURRENCY: String(count),
    JOBVISOR_RETENTION: 'off',
  })
  const logger = createLogger({ level: config.JOBVISOR_LOG_LEVEL }, pino.destination('/dev/null'))
  const service = await createService(config, logger)
  const { engine } = service
  const sleepJobs = (n: number, ms: number): JobInput[] =>
    Array.from({ length: n }, () => ({ type: 'sleep', params: { ms }, priority: 0 }))
  const until = async (cond: () => boolean) => {
    while (!cond()) await sleep(20)
  }
  // Warm-up: code paths compiled, statement cache and pools filled, before the baseline.
  for (const part of chunks(sleepJobs(Number(warmupArg), 1), 1000)) await engine.createMany(part)
  await until(() => engine.runningCount === 0)
  await sleep(200)
  const base = await settledRss()
  const started = performance.now()
  for (const part of chunks(sleepJobs(count, 3_600_000), 1000)) await engine.createMany(part)
  await until(() => engine.runningCount === count)
  const rampMs = performance.now() - started
  await sleep(500) // buffered writes land
  const loaded = await settledRss()
  await service.shutdown(0)
  return {
    bytesPerJob: (loaded.rss - base.rss) / count,
    heapBytesPerJob: (loaded.heapUsed - base.heapUsed) / count,
    rampMs,
  }
})

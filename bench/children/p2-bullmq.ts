/** P2, BullMQ's fastest documented mode: addBulk in chunks + one Worker with high concurrency. */
import { Queue, Worker } from 'bullmq'
import { chunks } from '../lib/stats.ts'
import { runMain } from './ipc.ts'

const [countArg = '20000', concurrencyArg = '100'] = process.argv.slice(2)
const count = Number(countArg)
const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }

runMain(async () => {
  const name = `jobvisor-bench-${process.pid}`
  const queue = new Queue(name, { connection })
  let completed = 0
  let resolveAll: () => void = () => {}
  const allDone = new Promise<void>((resolve) => {
    resolveAll = resolve
  })
  const worker = new Worker(name, async () => null, { connection, concurrency: Number(concurrencyArg) })
  // 'completed' fires after the job was moved to the completed set in Redis.
  worker.on('completed', () => {
    if (++completed === count) resolveAll()
  })
  worker.on('failed', (_job, err) => process.stderr.write(`bullmq job failed: ${err.message}\n`))
  await worker.waitUntilReady()
  const started = performance.now()
  for (const part of chunks(
    Array.from({ length: count }, (_, i) => i),
    1000,
  )) {
    await queue.addBulk(part.map((i) => ({ name: 'noop', data: { i } })))
  }
  await allDone
  const ms = performance.now() - started
  const counts = await queue.getJobCounts('completed')
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  if (counts.completed !== count)
    throw new Error(`expected ${count} completed, Redis says ${counts.completed}`)
  return { ms, jobsPerSec: (count / ms) * 1000 }
})

/**
 * P2, graphile-worker 0.17 in its documented fastest mode: a local queue of 500 jobs fetched in
 * one go, completions batched with no delay, 24 concurrent jobs, a silent logger; 20k no-op jobs
 * added with `addJobs` in batches of 1000, timed until its jobs table is empty: it emits
 * `job:success` before the batched completion that deletes the row is written, and a job is done
 * only once that is durable (jobvisor's children count an outcome once stored). With `latency`, one
 * job at a time instead: add → start of each (the task sees the time it was added in its payload).
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker'
import { chunks, sleep } from '../lib/stats.ts'
import { runMain } from './ipc.ts'

const [url = '', countArg = '20000', mode = 'throughput'] = process.argv.slice(2)
const count = Number(countArg)
const silent = new Logger(() => () => {})

runMain(async () => {
  const starts: number[] = []
  const runner = await run({
    connectionString: url,
    logger: silent,
    noHandleSignals: true,
    taskList: {
      noop: async (payload) => {
        const added = (payload as { t?: number }).t
        if (added !== undefined) starts.push(Date.now() - added)
      },
    },
    preset: { worker: { concurrentJobs: 24, localQueue: { size: 500 }, completeJobBatchDelay: 0 } },
  })
  const utils = await makeWorkerUtils({ connectionString: url, logger: silent })
  try {
    let succeeded = 0
    const allDone = new Promise<void>((resolve) =>
      runner.events.on('job:success', () => {
        if (++succeeded === count) resolve()
      }),
    )
    const started = performance.now()
    if (mode === 'latency') {
      for (let i = 0; i < count; i++) {
        await utils.addJobs([{ identifier: 'noop', payload: { t: Date.now() } }])
        await sleep(10)
      }
    } else {
      for (const part of chunks(
        Array.from({ length: count }, () => ({ identifier: 'noop', payload: {} })),
        1000,
      )) {
        await utils.addJobs(part)
      }
    }
    await allDone
    // The last completions are still being written when the last job:success is emitted.
    await utils.withPgClient(async (client) => {
      for (;;) {
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM graphile_worker._private_jobs',
        )
        if (rows[0]?.n === 0) return
        await sleep(2)
      }
    })
    const ms = performance.now() - started
    return { ms, jobsPerSec: (count / ms) * 1000, startLatencies: starts }
  } finally {
    await runner.stop()
    await utils.release()
  }
})

/** P6's reference: a bare promise + AbortController + setTimeout per job, kept in a Map by id. */
import { ulid } from 'ulid'
import { runMain } from './ipc.ts'
import { settledRss } from './memory.ts'

const count = Number(process.argv[2] ?? '100000')
const warmup = Number(process.argv[3] ?? '2000')

interface Entry {
  controller: AbortController
  done: Promise<void>
}

function start(jobs: Map<string, Entry>, ms: number): void {
  const id = ulid()
  const controller = new AbortController()
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    controller.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(controller.signal.reason)
      },
      { once: true },
    )
  }).then(
    () => void jobs.delete(id),
    () => void jobs.delete(id),
  )
  jobs.set(id, { controller, done })
}

runMain(async () => {
  const jobs = new Map<string, Entry>()
  for (let i = 0; i < warmup; i++) start(jobs, 1) // warm-up, as in the jobvisor child
  await Promise.all([...jobs.values()].map((e) => e.done))
  const base = await settledRss()
  for (let i = 0; i < count; i++) start(jobs, 3_600_000)
  const loaded = await settledRss()
  const result = {
    bytesPerJob: (loaded.rss - base.rss) / count,
    heapBytesPerJob: (loaded.heapUsed - base.heapUsed) / count,
  }
  for (const e of jobs.values()) e.controller.abort()
  return result
})

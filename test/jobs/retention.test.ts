import { type Logger, pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { Retention, type RetentionOptions } from '../../src/jobs/retention.ts'
import { createService } from '../../src/service.ts'
import { openSqlite, type SqliteStore } from '../../src/store/sqlite/index.ts'
import type { JobStore } from '../../src/store/store.ts'
import { FakeClock } from '../helpers/clock.ts'
import { newJob } from '../helpers/new-job.ts'

const HOUR = 3_600_000
const FIRST_SWEEP_MS = 5_000
const INTERVAL_MS = 60_000

const retentionJob = (createdAt: number) => newJob({ createdAt, labels: { purpose: 'retention' } })

/** Stores `count` jobs that ended `state` at `finishedAt`; returns their ids. */
async function finished(
  store: SqliteStore,
  count: number,
  finishedAt: number,
  state: 'succeeded' | 'failed' = 'succeeded',
) {
  const jobs = await store.jobs.insertMany(
    Array.from({ length: count }, () => retentionJob(finishedAt - 1000)),
  )
  for (const job of jobs)
    await store.jobs.transition(job.id, ['queued'], { state, finishedAt, updatedAt: finishedAt })
  return jobs.map((j) => j.id)
}

const capture = () => {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) })
  return { lines, logger }
}

const stores: SqliteStore[] = []
const openStore = async () => {
  const store = await openSqlite(':memory:')
  stores.push(store)
  return store
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
})

const retention = (jobs: RetentionOptions['jobs'], clock: FakeClock, logger: Logger, extra = {}) =>
  new Retention({ jobs, clock, logger, retentionMs: HOUR, ...extra })

describe('Retention', () => {
  it('sweeps shortly after start, then every minute, deleting only terminal jobs past the retention', async () => {
    const clock = new FakeClock()
    const store = await openStore()
    const t0 = clock.now()
    const [old] = await finished(store, 1, t0 - 2 * HOUR)
    const [recent] = await finished(store, 1, t0 - 10 * 60_000, 'failed')
    const [waiting] = (await store.jobs.insertMany([retentionJob(t0 - 2 * HOUR)])).map((j) => j.id)
    const { logger } = capture()
    const r = retention(store.jobs, clock, logger)
    r.start()

    await clock.advanceAsync(FIRST_SWEEP_MS)
    expect(await store.jobs.get(old!)).toBeUndefined()
    expect(await store.jobs.get(recent!)).toBeDefined()

    // `recent` finished 10 min before t0: past the hour once 50 min have gone by.
    await clock.advanceAsync(50 * 60_000 + INTERVAL_MS)
    expect(await store.jobs.get(recent!)).toBeUndefined()
    expect((await store.jobs.get(waiting!))?.state).toBe('queued')
    await r.stop()
  })

  it('clears a backlog in batches, yields the event loop between them, and logs one line per sweep', async () => {
    const clock = new FakeClock()
    const store = await openStore()
    await finished(store, 1200, clock.now() - 2 * HOUR)
    let turned = false
    const calls: { limit: number; afterATurn: boolean }[] = []
    const jobs: Pick<JobStore, 'deleteFinishedBefore'> = {
      deleteFinishedBefore(before, limit) {
        calls.push({ limit, afterATurn: turned })
        turned = false
        setImmediate(() => {
          turned = true
        })
        return store.jobs.deleteFinishedBefore(before, limit)
      },
    }
    const { lines, logger } = capture()

    expect(await retention(jobs, clock, logger, { batchSize: 500 }).sweep()).toBe(1200)
    expect(calls).toEqual([
      { limit: 500, afterATurn: false },
      { limit: 500, afterATurn: true },
      { limit: 500, afterATurn: true },
    ])
    const sweeps = lines.filter((l) => l.msg === 'retention sweep')
    expect(sweeps).toHaveLength(1)
    expect(sweeps[0]).toMatchObject({ deleted: 1200, level: 30 })
    expect((await store.jobs.countByState()).succeeded).toBe(0)
  })

  it('logs an empty sweep at debug level only', async () => {
    const clock = new FakeClock()
    const { lines, logger } = capture()
    expect(await retention((await openStore()).jobs, clock, logger).sweep()).toBe(0)
    expect(lines.filter((l) => l.msg === 'retention sweep')).toEqual([
      expect.objectContaining({ deleted: 0, level: 20 }),
    ])
  })

  it('stop disarms the timer and lets a sweep in progress end after its current batch', async () => {
    const clock = new FakeClock()
    const store = await openStore()
    await finished(store, 1200, clock.now() - 2 * HOUR)
    const { logger } = capture()
    const r = retention(store.jobs, clock, logger, { batchSize: 500 })
    r.start()
    expect(clock.pending()).toBe(1)
    const sweeping = r.sweep()
    await r.stop()
    expect(clock.pending()).toBe(0)
    expect(await sweeping).toBe(500)
    await clock.advanceAsync(10 * INTERVAL_MS)
    expect((await store.jobs.countByState()).succeeded).toBe(700)
  })

  it('a failing sweep is logged and the next one still runs', async () => {
    const clock = new FakeClock()
    let failures = 1
    let swept = 0
    const jobs: Pick<JobStore, 'deleteFinishedBefore'> = {
      async deleteFinishedBefore() {
        if (failures-- > 0) throw new Error('disk I/O error')
        swept += 1
        return 0
      },
    }
    const { lines, logger } = capture()
    const r = retention(jobs, clock, logger)
    r.start()
    await clock.advanceAsync(FIRST_SWEEP_MS)
    expect(lines.some((l) => l.msg === 'retention sweep failed')).toBe(true)
    await clock.advanceAsync(INTERVAL_MS)
    expect(swept).toBe(1)
    await r.stop()
  })
})

describe('Retention in the service', () => {
  const serviceWith = async (retentionEnv: string) => {
    const clock = new FakeClock()
    const store = await openSqlite(':memory:')
    const [old] = await finished(store, 1, clock.now() - 48 * HOUR)
    const { lines, logger } = capture()
    const config = loadConfig({ JOBVISOR_DB: ':memory:', JOBVISOR_RETENTION: retentionEnv })
    const service = await createService(config, logger, { clock, store })
    return { clock, store, old: old!, lines, service }
  }

  it('is started when JOBVISOR_RETENTION is set and stopped before the store closes', async () => {
    const { clock, store, old, lines, service } = await serviceWith('1d')
    await clock.advanceAsync(FIRST_SWEEP_MS)
    expect(await store.jobs.get(old)).toBeUndefined()
    await service.shutdown(0)
    // A sweep after close would fail on the closed database and log it.
    await clock.advanceAsync(10 * INTERVAL_MS)
    expect(lines.filter((l) => l.msg === 'retention sweep failed')).toEqual([])
  })

  it('is not started when JOBVISOR_RETENTION=off', async () => {
    const { clock, store, old, lines, service } = await serviceWith('off')
    await clock.advanceAsync(FIRST_SWEEP_MS + INTERVAL_MS)
    expect(await store.jobs.get(old)).toBeDefined()
    expect(lines.filter((l) => l.msg === 'retention sweep')).toEqual([])
    await service.shutdown(0)
  })
})

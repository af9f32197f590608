import { describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src/model/job.ts'
import type { JobState } from '../../src/model/job-state.ts'
import type { JobQuery, Store } from '../../src/store/store.ts'
import { newJob, T0 } from '../helpers/new-job.ts'
import { scheduleStoreCases } from './schedule-contract.ts'

const claimAll = (store: Store, owner: string, limit = 10, now = T0) =>
  store.jobs.claim(owner, now, {
    instance: `${owner}-instance`,
    limit,
    leaseUntil: now + 1000,
    excludeTypes: [],
    typeRoom: {},
  })

/** Every guarantee the engine relies on; each adapter runs this same suite (STYLE §K). */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    const withStore = (fn: (store: Store) => Promise<void>) => async () => {
      const store = await open()
      try {
        await fn(store)
      } finally {
        await store.close()
      }
    }

    it(
      'insert with an idempotency key: created, existing, conflict',
      withStore(async (store) => {
        const job = newJob()
        expect((await store.jobs.insert(job, { key: 'k', fingerprint: 'a' })).outcome).toBe('created')
        const again = await store.jobs.insert(newJob(), { key: 'k', fingerprint: 'a' })
        expect(again).toMatchObject({ outcome: 'existing', job: { id: job.id } })
        expect((await store.jobs.insert(newJob(), { key: 'k', fingerprint: 'b' })).outcome).toBe('conflict')
      }),
    )

    it(
      'insert with a direct start stores the job running and owned, returning it as created and as started',
      withStore(async (store) => {
        const start = { owner: 'me', instance: 'me-instance', startedAt: T0 + 5, leaseUntil: T0 + 1005 }
        const job = newJob()
        const result = await store.jobs.insert(job, { key: 'direct', fingerprint: 'a' }, start)
        expect(result).toMatchObject({
          outcome: 'created',
          job: { id: job.id, state: 'queued', startedAt: null },
        })
        const expected = {
          state: 'running',
          owner: 'me',
          instance: 'me-instance',
          startedAt: T0 + 5,
          leaseUntil: T0 + 1005,
          attempt: 1,
        }
        expect(result.outcome === 'created' && result.started).toMatchObject(expected)
        expect(await store.jobs.get(job.id)).toMatchObject(expected)
        expect(await claimAll(store, 'other')).toEqual([])
        // A repeat finds the earlier job and starts nothing; a delayed job is never started.
        const again = await store.jobs.insert(newJob(), { key: 'direct', fingerprint: 'a' }, start)
        expect(again).toMatchObject({ outcome: 'existing', job: { id: job.id } })
        expect('started' in again).toBe(false)
        const delayed = newJob({ state: 'scheduled', runAt: T0 + 10_000 })
        const later = await store.jobs.insert(delayed, undefined, start)
        expect(later.outcome === 'created' && later.started).toBeUndefined()
        expect((await store.jobs.get(delayed.id))?.state).toBe('scheduled')
      }),
    )

    it(
      'claim returns each job exactly as stored after the claim',
      withStore(async (store) => {
        const jobs = [newJob({ labels: { team: 'a' }, params: { n: 1 } }), newJob({ priority: 3 }), newJob()]
        await store.jobs.insertMany(jobs)
        const claimed = await claimAll(store, 'me', 2, T0 + 7)
        expect(claimed.map((j) => j.id)).toEqual([jobs[1]?.id, jobs[0]?.id])
        for (const job of claimed) expect(job).toEqual(await store.jobs.get(job.id))
      }),
    )

    it(
      'claims by priority desc then FIFO, only queued jobs, and moves them to running with a lease',
      withStore(async (store) => {
        const low = newJob({ priority: -1 })
        const a = newJob()
        const b = newJob()
        const high = newJob({ priority: 5 })
        const delayed = newJob({ state: 'scheduled', runAt: T0 + 10_000 })
        await store.jobs.insertMany([low, a, b, high, delayed])
        const claimed = await claimAll(store, 'me', 3)
        expect(claimed.map((j) => j.id)).toEqual([high.id, a.id, b.id])
        expect(claimed[0]).toMatchObject({
          state: 'running',
          owner: 'me',
          instance: 'me-instance',
          leaseUntil: T0 + 1000,
          startedAt: T0,
        })
        expect((await claimAll(store, 'other')).map((j) => j.id)).toEqual([low.id])
        expect(await claimAll(store, 'other')).toEqual([])
      }),
    )

    it(
      'respects excluded types and per-type room',
      withStore(async (store) => {
        await store.jobs.insertMany([
          newJob({ type: 'x' }),
          newJob({ type: 'x' }),
          newJob({ type: 'y' }),
          newJob(),
        ])
        const first = await store.jobs.claim('me', T0, {
          instance: 'me-instance',
          limit: 10,
          leaseUntil: T0 + 1,
          excludeTypes: ['y'],
          typeRoom: { x: 1 },
        })
        expect(first.map((j) => j.type).sort()).toEqual(['noop', 'x'])
      }),
    )

    it(
      'excludes every listed type, with and without per-type room',
      withStore(async (store) => {
        const types = ['x', 'y', 'z', 'noop']
        await store.jobs.insertMany(types.map((type) => newJob({ type })))
        const claim = (excludeTypes: string[], typeRoom: Record<string, number>) =>
          store.jobs.claim('me', T0, {
            instance: 'me-instance',
            limit: 10,
            leaseUntil: T0 + 1,
            excludeTypes,
            typeRoom,
          })
        expect((await claim(['x', 'y', 'noop'], {})).map((j) => j.type)).toEqual(['z'])
        await store.jobs.insertMany(types.map((type) => newJob({ type })))
        expect((await claim(['x', 'z'], { y: 1 })).map((j) => j.type).sort()).toEqual(['noop', 'noop', 'y'])
      }),
    )

    it(
      'transition is a compare-and-set on state and owner',
      withStore(async (store) => {
        const job = newJob()
        await store.jobs.insert(job)
        await claimAll(store, 'me')
        const patch = { state: 'succeeded' as JobState, finishedAt: T0 + 5, updatedAt: T0 + 5 }
        expect(await store.jobs.transition(job.id, ['queued'], patch)).toBeUndefined()
        expect(await store.jobs.transition(job.id, ['running'], patch, 'someone-else')).toBeUndefined()
        const done = await store.jobs.transition(job.id, ['running'], patch, 'me')
        // The instance that ran it stays on the record after the run ends (SPEC §10).
        expect(done).toMatchObject({ state: 'succeeded', finishedAt: T0 + 5, instance: 'me-instance' })
        expect(await store.jobs.transition(job.id, ['running'], patch, 'me')).toBeUndefined()
      }),
    )

    it(
      'transitionKnown is the same compare-and-set, answering the stored cancel and progress',
      withStore(async (store) => {
        const [job, other] = [newJob(), newJob()]
        await store.jobs.insertMany([job, other])
        await claimAll(store, 'me')
        await store.jobs.setProgress(job.id, { percent: 40, message: 'half' }, T0 + 1)
        // Another instance's cancel, stored while the run goes on.
        const cancel = {
          mode: 'graceful' as const,
          reason: 'enough',
          requestedAt: T0 + 2,
          forced: false,
          graceMs: 100,
        }
        await store.jobs.transition(job.id, ['running'], { state: 'cancelling', cancel, updatedAt: T0 + 2 })
        const patch = { state: 'succeeded' as JobState, result: 1, finishedAt: T0 + 5, updatedAt: T0 + 5 }
        expect(
          await store.jobs.transitionKnown(job.id, ['running', 'cancelling'], patch, 'someone-else'),
        ).toBe(undefined)
        const known = await store.jobs.transitionKnown(job.id, ['running', 'cancelling'], patch, 'me')
        expect(known).toEqual({ cancel, progress: { percent: 40, message: 'half' } })
        expect(await store.jobs.get(job.id)).toMatchObject({ state: 'succeeded', result: 1, cancel })
        expect(await store.jobs.transitionKnown(job.id, ['running', 'cancelling'], patch, 'me')).toBe(
          undefined,
        )
        // Nothing stored yet: both null.
        expect(await store.jobs.transitionKnown(other.id, ['running'], patch, 'me')).toEqual({
          cancel: null,
          progress: null,
        })
      }),
    )

    it(
      'promotes due delayed jobs and reports the next due time',
      withStore(async (store) => {
        const soon = newJob({ state: 'scheduled', runAt: T0 + 100 })
        const later = newJob({ state: 'scheduled', runAt: T0 + 500 })
        await store.jobs.insertMany([later, soon])
        expect(await store.jobs.nextDueAt()).toBe(T0 + 100)
        expect((await store.jobs.promoteDue(T0 + 200, 10)).map((j) => j.id)).toEqual([soon.id])
        expect(await store.jobs.nextDueAt()).toBe(T0 + 500)
      }),
    )

    it(
      'heartbeat renews leases and reports jobs moved to cancelling by another actor',
      withStore(async (store) => {
        const [a, b] = [newJob(), newJob()]
        await store.jobs.insertMany([a, b])
        await claimAll(store, 'me')
        await store.jobs.transition(a.id, ['running'], { state: 'cancelling', updatedAt: T0 })
        expect((await store.jobs.owned('me')).map((j) => j.id).sort()).toEqual([a.id, b.id].sort())
        expect(await store.jobs.owned('someone-else')).toEqual([])
        const cancelling = await store.jobs.heartbeat('me', [a.id, b.id], T0 + 9000)
        expect(cancelling.map((j) => j.id)).toEqual([a.id])
        expect((await store.jobs.get(b.id))?.leaseUntil).toBe(T0 + 9000)
        // Only what the owner says it runs: a row it owns but never ran keeps its lease, and expires.
        expect(await store.jobs.heartbeat('me', [a.id], T0 + 20_000)).toHaveLength(1)
        expect((await store.jobs.get(b.id))?.leaseUntil).toBe(T0 + 9000)
      }),
    )

    it(
      'recovers stale runs of other owners: re-queue with attempts left, else failed interrupted',
      withStore(async (store) => {
        const retry = newJob({ retry: { maxAttempts: 2 } })
        const last = newJob()
        const mine = newJob()
        await store.jobs.insertMany([retry, last])
        await claimAll(store, 'dead')
        await store.jobs.insert(mine)
        await claimAll(store, 'me')
        await store.jobs.heartbeat('me', [mine.id], T0 + 5000)
        const recovered = await store.jobs.recoverInterrupted('me', T0 + 2000, T0 + 2000)
        expect(recovered.map((j) => [j.id, j.state, j.attempt])).toEqual(
          expect.arrayContaining([
            [retry.id, 'queued', 2],
            [last.id, 'failed', 1],
          ]),
        )
        expect(recovered).toHaveLength(2)
        expect((await store.jobs.get(last.id))?.error?.code).toBe('interrupted')
        expect((await store.jobs.get(mine.id))?.state).toBe('running')
        // A row the owner holds but does not renew (a claim whose answer it lost) expires too.
        const orphan = newJob()
        await store.jobs.insert(orphan)
        await claimAll(store, 'me', 1, T0 + 1500)
        const again = await store.jobs.recoverInterrupted('me', T0 + 3000, T0 + 3000)
        expect(again.map((j) => [j.id, j.state])).toEqual([[orphan.id, 'failed']])
        expect((await store.jobs.get(mine.id))?.state).toBe('running')
      }),
    )

    it(
      'deletes terminal jobs only; retention deletes old finished ones',
      withStore(async (store) => {
        const [a, b] = [newJob(), newJob()]
        await store.jobs.insertMany([a, b])
        expect(await store.jobs.delete(a.id)).toBe('active')
        await store.jobs.transition(a.id, ['queued'], { state: 'cancelled', finishedAt: T0, updatedAt: T0 })
        expect(await store.jobs.delete(a.id)).toBe('deleted')
        expect(await store.jobs.delete(a.id)).toBe('not_found')
        await store.jobs.transition(b.id, ['queued'], { state: 'cancelled', finishedAt: T0, updatedAt: T0 })
        expect(await store.jobs.deleteFinishedBefore(T0, 10)).toBe(0)
        expect(await store.jobs.deleteFinishedBefore(T0 + 1, 10)).toBe(1)
        expect((await store.jobs.countByState()).cancelled).toBe(0)
      }),
    )

    it(
      'counts every state after each kind of write: creates, claims, outcomes, cancels, recovery, deletes, retention',
      withStore(async (store) => {
        const counts = async () =>
          Object.fromEntries(Object.entries(await store.jobs.countByState()).filter(([, n]) => n > 0))
        const jobs = Array.from({ length: 6 }, () => newJob())
        const [j1, j2, j3, j4, j5] = jobs.map((j) => j.id) as [string, string, string, string, string]
        await store.jobs.insertMany(jobs)
        await store.jobs.insert(newJob({ state: 'scheduled', runAt: T0 + 60_000 }))
        expect(await counts()).toEqual({ queued: 6, scheduled: 1 })
        expect(await claimAll(store, 'me', 4)).toHaveLength(4)
        expect(await counts()).toEqual({ queued: 2, scheduled: 1, running: 4 })
        const end = (state: JobState) => ({
          state,
          finishedAt: T0,
          owner: null,
          leaseUntil: null,
          updatedAt: T0,
        })
        await store.jobs.transitionWithoutRead(j1, ['running', 'cancelling'], end('succeeded'), 'me')
        await store.jobs.transitionKnown(j2, ['running', 'cancelling'], end('failed'), 'me')
        await store.jobs.transition(j3, ['running'], { state: 'cancelling', updatedAt: T0 })
        await store.jobs.transition(j5, ['scheduled', 'queued'], {
          state: 'cancelled',
          finishedAt: T0,
          updatedAt: T0,
        })
        // A compare-and-set that does not apply changes no count.
        await store.jobs.transition(j1, ['running'], end('failed'))
        expect(await counts()).toEqual({
          queued: 1,
          scheduled: 1,
          running: 1,
          cancelling: 1,
          succeeded: 1,
          failed: 1,
          cancelled: 1,
        })
        // j3 (cancelling) ends cancelled; j4 (running, no attempt left) ends failed: interrupted.
        expect(await store.jobs.recoverInterrupted('other', T0 + 5000, T0 + 5000)).toHaveLength(2)
        expect(await counts()).toEqual({ queued: 1, scheduled: 1, succeeded: 1, failed: 2, cancelled: 2 })
        expect(await store.jobs.delete(j1)).toBe('deleted')
        expect(await store.jobs.delete(j4)).toBe('deleted')
        expect(await counts()).toEqual({ queued: 1, scheduled: 1, failed: 1, cancelled: 2 })
        expect(await store.jobs.deleteFinishedBefore(T0 + 10_000, 100)).toBe(3)
        expect(await counts()).toEqual({ queued: 1, scheduled: 1 })
      }),
    )

    it(
      'lists newest first with keyset pagination and filters',
      withStore(async (store) => {
        const jobs = Array.from({ length: 5 }, (_, i) => newJob({ labels: { i: String(i % 2) } }))
        await store.jobs.insertMany(jobs)
        const page = await store.jobs.list({ limit: 2 })
        expect(page.map((j) => j.id)).toEqual([jobs[4]?.id, jobs[3]?.id])
        const next = await store.jobs.list({ limit: 10, beforeId: jobs[3]?.id, labels: { i: '0' } })
        expect(next.map((j) => j.id)).toEqual([jobs[2]?.id, jobs[0]?.id])
      }),
    )

    it(
      'lists labels combined with states and type page by page, newest first (rare and common labels)',
      withStore(async (store) => {
        // A rare label (customer) and common ones (env on all, team on half), three states, two types:
        // the SQLite adapter drives some of these queries from a label and some from jobs.
        const jobs = Array.from({ length: 120 }, (_, i) =>
          newJob({
            type: i % 3 === 0 ? 'a' : 'b',
            state: i % 4 === 0 ? 'scheduled' : 'queued',
            runAt: i % 4 === 0 ? T0 + 60_000 : null,
            labels: {
              env: 'prod',
              team: i % 2 === 0 ? 'x' : 'y',
              ...(i % 5 === 0 ? { customer: 'acme' } : {}),
            },
          }),
        )
        await store.jobs.insertMany(jobs)
        const states = new Map<string, JobState>(jobs.map((j) => [j.id, j.state]))
        for (const [i, job] of jobs.entries()) {
          if (i % 4 !== 1) continue
          await store.jobs.transition(job.id, ['queued'], {
            state: 'cancelled',
            finishedAt: T0,
            updatedAt: T0,
          })
          states.set(job.id, 'cancelled')
        }
        const pages = async (query: Omit<JobQuery, 'limit' | 'beforeId'>) => {
          const ids: string[] = []
          for (let beforeId: string | undefined, page: JobRecord[]; ; beforeId = page.at(-1)?.id) {
            page = await store.jobs.list({ ...query, limit: 2, beforeId })
            ids.push(...page.map((j) => j.id))
            if (page.length < 2) return ids
          }
        }
        const expected = (query: Omit<JobQuery, 'limit' | 'beforeId'>) =>
          jobs
            .filter(
              (j) =>
                (!query.states?.length || query.states.includes(states.get(j.id) as JobState)) &&
                (query.type === undefined || j.type === query.type) &&
                Object.entries(query.labels ?? {}).every(([k, v]) => j.labels[k] === v),
            )
            .map((j) => j.id)
            .reverse()
        const queries: Omit<JobQuery, 'limit' | 'beforeId'>[] = [
          { labels: { customer: 'acme' }, states: ['queued', 'cancelled'], type: 'b' },
          { labels: { customer: 'acme', team: 'x' }, states: ['scheduled', 'queued'], type: 'a' },
          { labels: { customer: 'acme' }, states: ['cancelled', 'cancelled'] },
          { labels: { env: 'prod', team: 'y' }, states: ['cancelled'], type: 'b' },
          { labels: { env: 'prod' }, states: ['scheduled'] },
          { labels: { team: 'x', env: 'prod' } },
          // A repeated state lists each job once.
          { labels: { env: 'prod' }, states: ['scheduled', 'scheduled'] },
          { states: ['queued', 'queued'], type: 'a' },
        ]
        for (const query of queries) {
          const want = expected(query)
          expect(want.length).toBeGreaterThan(2) // several pages each
          expect(await pages(query)).toEqual(want)
        }
      }),
    )

    it(
      'keeps the newest log lines per job',
      withStore(async (store) => {
        const job = newJob()
        await store.jobs.insert(job)
        const line = (n: number) => ({ jobId: job.id, time: T0 + n, level: 'info' as const, msg: `l${n}` })
        await store.jobs.appendLogs([1, 2, 3].map(line), 3)
        await store.jobs.appendLogs([4, 5].map(line), 3)
        const lines = await store.jobs.logs(job.id, 0, 10)
        expect(lines.map((l) => l.msg)).toEqual(['l3', 'l4', 'l5'])
        expect(await store.jobs.logs(job.id, lines[1]?.seq ?? 0, 10)).toHaveLength(1)
      }),
    )

    scheduleStoreCases(withStore, newJob)
  })
}

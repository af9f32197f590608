import { describe, expect, it } from 'vitest'
import type { TimerHandle } from '../../src/clock.ts'
import { buildTestApp } from '../helpers/app.ts'
import { FakeClock } from '../helpers/clock.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

const finished = (request: Awaited<ReturnType<typeof buildTestApp>>['request'], id: string) =>
  jobInState(request, id, 'succeeded', 'failed', 'timed_out', 'cancelled')

/**
 * Fires timers of 10 ms or more 2 ms before they are due, as Node's can by the wall clock: libuv
 * counts a delay from the loop's cached time, which lags by up to the length of the turn.
 */
class EarlyClock extends FakeClock {
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    return super.setTimeout(fn, ms >= 10 ? ms - 2 : ms)
  }
}

describe('timeouts (SPEC §3)', () => {
  it('a timer that fires early does not shorten the timeout: finishedAt − startedAt ≥ timeoutMs', async () => {
    const clock = new EarlyClock()
    const { request, observed } = await buildTestApp({}, { clock })
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'gated', params: { gate: 'g' }, timeoutMs: 50 })
        .expect(201)
    ).body
    await waitFor(() => observed.gates.reached.includes(job.id))
    await clock.advanceAsync(49)
    expect((await request.get(`/v1/jobs/${job.id}`)).body.state).toBe('running')
    await clock.advanceAsync(1)
    const done = await finished(request, job.id)
    expect(done.state).toBe('timed_out')
    expect(Date.parse(done.finishedAt) - Date.parse(done.startedAt)).toBeGreaterThanOrEqual(50)
  })

  it('a handler that first reads ctx.signal after its timeout fired finds it aborted with the TimeoutError', async () => {
    // The controller is made on first use: one made after the abort must start out aborted.
    const clock = new FakeClock()
    const { request, observed } = await buildTestApp({ JOBVISOR_GRACE_MS: '1000' }, { clock })
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'gated', params: { gate: 'late', ignoresSignal: true }, timeoutMs: 20 })
        .expect(201)
    ).body
    const fresh = (
      await request.post('/v1/jobs').send({ type: 'gated', params: { gate: 'fresh', ignoresSignal: true } })
    ).body
    await waitFor(() => observed.gates.reached.length === 2)
    await clock.advanceAsync(20)
    observed.gates.open('late')
    observed.gates.open('fresh')
    expect((await finished(request, job.id)).state).toBe('timed_out')
    expect((await finished(request, fresh.id)).state).toBe('succeeded')
    expect(observed.signalAfterGate.get(job.id)).toBe('TimeoutError')
    expect(observed.signalAfterGate.get(fresh.id)).toBeNull()
  })

  it('a handler that ignores the timeout is forced to timed_out after the grace, and its slot freed', async () => {
    const { request, engine } = await buildTestApp({ JOBVISOR_GRACE_MS: '30', JOBVISOR_MAX_CONCURRENCY: '1' })
    const job = (await request.post('/v1/jobs').send({ type: 'never-settles', timeoutMs: 20 }).expect(201))
      .body
    const next = (await request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    const done = await finished(request, job.id)
    expect(done).toMatchObject({ state: 'timed_out', error: { name: 'TimeoutError', code: 'timed_out' } })
    expect((await finished(request, next.id)).state).toBe('succeeded')
    expect(engine.runningCount).toBe(0)
  })

  it('the clock starts when the job runs, not when it is queued', async () => {
    const clock = new FakeClock()
    const { request, engine, observed } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' }, { clock })
    const gated = (gate: string, timeoutMs?: number) =>
      request.post('/v1/jobs').send({ type: 'gated', params: { gate }, timeoutMs }).expect(201)
    const blocker = (await gated('blocker')).body
    const job = (await gated('job', 100)).body
    const other = (await gated('other', 100)).body
    await waitFor(() => observed.gates.reached.includes(blocker.id))
    // Queued for five of its timeouts: none of that counts.
    await clock.advanceAsync(500)
    observed.gates.open('blocker')
    await jobInState(request, blocker.id, 'succeeded')
    await waitFor(() => observed.gates.reached.includes(job.id))
    // Running for 99 ms of its 100: still running, then it ends in time.
    await clock.advanceAsync(99)
    expect((await request.get(`/v1/jobs/${job.id}`)).body.state).toBe('running')
    observed.gates.open('job')
    expect((await finished(request, job.id)).state).toBe('succeeded')
    // The same timeout does fire once 100 ms have passed since the start.
    await waitFor(() => observed.gates.reached.includes(other.id))
    await clock.advanceAsync(100)
    expect(await finished(request, other.id)).toMatchObject({ state: 'timed_out', attempt: 1 })
    expect(engine.runningCount).toBe(0)
  })

  it('JOBVISOR_MAX_TIMEOUT_MS caps a longer timeout and bounds jobs without one', async () => {
    const { request } = await buildTestApp({ JOBVISOR_MAX_TIMEOUT_MS: '40' })
    const long = (
      await request.post('/v1/jobs').send({ type: 'sleep', params: { ms: 5000 }, timeoutMs: 60_000 })
    ).body
    const none = (await request.post('/v1/jobs').send({ type: 'sleep', params: { ms: 5000 } })).body
    expect((await finished(request, long.id)).state).toBe('timed_out')
    expect((await finished(request, none.id)).state).toBe('timed_out')
  })
})

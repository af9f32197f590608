import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { listen, SseClient } from '../helpers/sse-client.ts'
import { waitFor } from '../helpers/wait-for.ts'

async function createJob(t: TestApp, body: Record<string, unknown> = { type: 'noop', params: {} }) {
  const res = await t.request.post('/v1/jobs').send(body).expect(201)
  return res.body.id as string
}

const finished = (id: string) => (c: SseClient) =>
  c.events.some((e) => e.event === 'job:finished' && (e.json.job as { id: string }).id === id)

const jobEvents = (c: SseClient, id: string) =>
  c.events.filter((e) => (e.json.job as { id: string } | undefined)?.id === id)

/** The position announced by the bare `id:` frame a stream opens with. */
const announcedPosition = (c: SseClient) =>
  c.frames.find((f) => f.id !== undefined && f.data === undefined)?.id

describe('GET /v1/events', () => {
  it('streams created → started → finished for a job, in order, with increasing ids', async () => {
    const t = await buildTestApp()
    const client = await SseClient.open(await listen(t.app), '/v1/events')
    expect(client.status).toBe(200)
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(client.headers['cache-control']).toBe('no-cache')
    expect(client.headers['x-accel-buffering']).toBe('no')
    await client.until((c) => announcedPosition(c) !== undefined)
    expect(client.frames[0]).toEqual({ retry: '3000' })

    const id = await createJob(t)
    await client.until(finished(id))
    const events = jobEvents(client, id)
    expect(events.map((e) => e.event)).toEqual(['job:created', 'job:started', 'job:finished'])
    const ids = events.map((e) => Number(e.id))
    expect(ids.every((n, i) => i === 0 || n > (ids[i - 1] as number))).toBe(true)
    expect(ids[0]).toBeGreaterThan(Number(announcedPosition(client)))
    expect(events[2]?.json).toMatchObject({
      type: 'job:finished',
      // A JobView: ISO times, not the store's epoch milliseconds.
      job: { id, state: 'succeeded', type: 'noop', finishedAt: expect.stringMatching(/^\d{4}-/) },
    })
    client.close()
  })

  it('filters by jobId, scheduleId and types', async () => {
    const t = await buildTestApp()
    const base = await listen(t.app)
    const byType = await SseClient.open(base, '/v1/events?types=job:finished,job:created')
    const bySchedule = await SseClient.open(base, '/v1/events?scheduleId=sch-1')
    await byType.until((c) => announcedPosition(c) !== undefined)
    const a = await createJob(t)
    const byJob = await SseClient.open(
      base,
      `/v1/events?jobId=${a}&lastEventId=${Number(announcedPosition(byType))}`,
    )
    const { job: run } = await t.engine.create({ type: 'noop', params: {}, priority: 0 }, undefined, {
      scheduleId: 'sch-1',
      dueAt: Date.now(),
    })
    const b = await createJob(t)
    await byType.until(finished(b))
    await byType.until(finished(run.id))
    await byJob.until(finished(a))
    await bySchedule.until(finished(run.id))

    expect(new Set(byType.events.map((e) => e.event))).toEqual(new Set(['job:created', 'job:finished']))
    expect(jobEvents(byType, a).map((e) => e.event)).toEqual(['job:created', 'job:finished'])
    expect(new Set(byJob.events.map((e) => (e.json.job as { id: string }).id))).toEqual(new Set([a]))
    expect(bySchedule.events.map((e) => (e.json.job as { scheduleId: string }).scheduleId)).toEqual([
      'sch-1',
      'sch-1',
      'sch-1',
    ])
    for (const c of [byType, byJob, bySchedule]) c.close()
  })

  it('rejects an unknown event type with a 400 naming querystring.types', async () => {
    const t = await buildTestApp()
    const res = await t.request.get('/v1/events?types=job:finished,job:exploded').expect(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body.errors).toEqual([
      { path: 'querystring.types', message: expect.stringContaining('job:exploded') },
    ])
    const bad = await t.request.get('/v1/events').set('last-event-id', 'abc').expect(400)
    expect(bad.body.errors[0].path).toBe('headers.last-event-id')
  })

  it('replays what a reconnecting client missed (Last-Event-ID header wins over the query)', async () => {
    const t = await buildTestApp()
    const base = await listen(t.app)
    const first = await SseClient.open(base, '/v1/events')
    const a = await createJob(t)
    await first.until(finished(a))
    const lastSeen = jobEvents(first, a)[0]?.id as string // job:created of a
    first.close()
    await waitFor(() => t.service.events.subscriberCount === 0)

    const b = await createJob(t)
    await t.request
      .post('/v1/jobs/wait')
      .send({ ids: [b], timeoutMs: 5000 })
      .expect(200)
    const resumed = await SseClient.open(base, '/v1/events?lastEventId=1', { 'last-event-id': lastSeen })
    await resumed.until(finished(b))
    expect(resumed.events.map((e) => [e.event, (e.json.job as { id: string }).id])).toEqual([
      ['job:started', a],
      ['job:finished', a],
      ['job:created', b],
      ['job:started', b],
      ['job:finished', b],
    ])
    resumed.close()

    const byQuery = await SseClient.open(base, `/v1/events?lastEventId=${lastSeen}&jobId=${b}`)
    await byQuery.until(finished(b))
    expect(byQuery.events.map((e) => e.event)).toEqual(['job:created', 'job:started', 'job:finished'])
    byQuery.close()
  })

  it('sends a reset when the id is older than the buffer, then carries on live', async () => {
    const t = await buildTestApp()
    const base = await listen(t.app)
    const first = await SseClient.open(base, '/v1/events')
    await first.until((c) => announcedPosition(c) !== undefined)
    const seen = announcedPosition(first) as string
    first.close()
    await waitFor(() => t.service.events.subscriberCount === 0)
    // One more than the buffer holds (10,000), so `seen + 1` is evicted.
    for (let i = 0; i <= 10_000; i++) {
      t.service.events.publish({ type: 'job:progress', jobId: 'x', scheduleId: null, data: () => ({ i }) })
    }

    const late = await SseClient.open(base, '/v1/events', { 'last-event-id': seen })
    await late.until((c) => c.events.length > 0)
    const reset = late.events[0]
    expect(reset?.event).toBe('reset')
    expect(Number(reset?.id)).toBe(Number(seen) + 10_001)
    const id = await createJob(t)
    await late.until(finished(id))
    expect(Number(jobEvents(late, id)[0]?.id)).toBe(Number(seen) + 10_002)
    late.close()
  })

  it('sends `: ping` heartbeats at the injected interval', async () => {
    const t = await buildTestApp({}, { sseHeartbeatMs: 20 })
    const client = await SseClient.open(await listen(t.app), '/v1/events')
    await client.until((c) => c.frames.filter((f) => f.comment === 'ping').length >= 2)
    client.close()
  })

  it('refuses streams beyond JOBVISOR_MAX_SSE_STREAMS with 503 and Retry-After', async () => {
    const t = await buildTestApp({ JOBVISOR_MAX_SSE_STREAMS: '2' })
    const base = await listen(t.app)
    const open = [await SseClient.open(base, '/v1/events'), await SseClient.open(base, '/v1/events')]
    const refused = await SseClient.open(base, '/v1/events')
    expect(refused.status).toBe(503)
    expect(refused.headers['retry-after']).toBe('5')
    await refused.until((c) => c.ended)
    expect(JSON.parse(refused.body)).toMatchObject({
      status: 503,
      detail: expect.stringContaining('2 event streams'),
    })

    open[0]?.close()
    await waitFor(() => t.service.events.subscriberCount === 1)
    const again = await SseClient.open(base, '/v1/events')
    expect(again.status).toBe(200)
    again.close()
    open[1]?.close()
  })

  it('releases the subscription when the client disconnects', async () => {
    const t = await buildTestApp({}, { sseHeartbeatMs: 10 })
    const client = await SseClient.open(await listen(t.app), '/v1/events?types=job:finished')
    await waitFor(() => t.service.events.subscriberCount === 1)
    client.close()
    await waitFor(() => t.service.events.subscriberCount === 0)
    // Events after the disconnect reach nobody and break nothing.
    const id = await createJob(t)
    await t.request
      .post('/v1/jobs/wait')
      .send({ ids: [id], timeoutMs: 5000 })
      .expect(200)
  })

  it('drops a client that stops reading once its bounded queue overflows', async () => {
    const t = await buildTestApp()
    const client = await SseClient.open(await listen(t.app), '/v1/events')
    await waitFor(() => t.service.events.subscriberCount === 1)
    client.res.pause() // the socket fills up: the kernel buffers, then Node's, then our queue
    const big = 'x'.repeat(256 * 1024)
    for (let i = 0; i < 200 && t.service.events.subscriberCount > 0; i++) {
      t.service.events.publish({ type: 'job:progress', jobId: 'x', scheduleId: null, data: () => ({ big }) })
      await new Promise((resolve) => setImmediate(resolve))
    }
    await waitFor(() => t.service.events.subscriberCount === 0)
    client.res.resume()
    await client.until((c) => c.ended)
  })

  it('ends open streams when the service shuts down', async () => {
    const t = await buildTestApp()
    const client = await SseClient.open(await listen(t.app), '/v1/events')
    await waitFor(() => t.service.events.subscriberCount === 1)
    await t.service.shutdown(0)
    await client.until((c) => c.ended)
    expect(t.service.events.subscriberCount).toBe(0)
  })
})

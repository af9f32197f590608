import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { listen, SseClient } from '../helpers/sse-client.ts'
import { waitFor } from '../helpers/wait-for.ts'

interface TickBody {
  dueAt: string
  outcome: string
  reason: string | null
  jobId: string | null
  recordedAt: string
}

const ticksOf = async (t: TestApp, id: string, query = '') =>
  (await t.request.get(`/v1/schedules/${id}/ticks${query}`).expect(200)).body as {
    items: TickBody[]
    nextCursor: string | null
  }

/** An hourly schedule fired by hand: every trigger is one `manual` tick, in a known order. */
async function triggered(t: TestApp, times: number) {
  const s = (
    await t.request
      .post('/v1/schedules')
      .send({
        name: 'by-hand',
        trigger: { type: 'interval', every: '1h' },
        job: { type: 'noop' },
        overlap: 'allow',
      })
      .expect(201)
  ).body
  const jobs: string[] = []
  for (let i = 0; i < times; i++)
    jobs.push((await t.request.post(`/v1/schedules/${s.id}/trigger`).expect(201)).body.job.id)
  return { id: s.id as string, jobs }
}

describe('GET /v1/schedules/{id}/ticks (SPEC §11)', () => {
  it('newest first, with cursor paging', async () => {
    const t = await buildTestApp()
    const { id, jobs } = await triggered(t, 3)
    const first = await ticksOf(t, id, '?limit=2')
    expect(first.items.map((i) => [i.outcome, i.jobId])).toEqual([
      ['manual', jobs[2]],
      ['manual', jobs[1]],
    ])
    expect(first.items[0]).toEqual({
      dueAt: expect.any(String),
      outcome: 'manual',
      reason: null,
      jobId: jobs[2],
      recordedAt: expect.any(String),
    })
    expect(first.nextCursor).toEqual(expect.any(String))
    const rest = await ticksOf(t, id, `?limit=2&cursor=${first.nextCursor}`)
    expect(rest).toEqual({ items: [expect.objectContaining({ jobId: jobs[0] })], nextCursor: null })
  })

  it('404 for an unknown schedule, 400 naming the field for a bad limit or cursor', async () => {
    const t = await buildTestApp()
    const missing = await t.request.get('/v1/schedules/01NOPE/ticks').expect(404)
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/)
    const { id } = await triggered(t, 1)
    const badLimit = await t.request.get(`/v1/schedules/${id}/ticks?limit=501`).expect(400)
    expect(badLimit.body.errors[0].path).toBe('querystring.limit')
    // A base64url id that is not a tick position: still "not a cursor returned by this API".
    const badCursor = await t.request.get(`/v1/schedules/${id}/ticks?cursor=YWJj`).expect(400)
    expect(badCursor.body.errors[0]).toEqual({
      path: 'querystring.cursor',
      message: 'not a cursor returned by this API',
    })
  })

  it('keeps the newest JOBVISOR_MAX_TICKS, and the ticks go with the schedule', async () => {
    const t = await buildTestApp({ JOBVISOR_MAX_TICKS: '2' })
    const { id, jobs } = await triggered(t, 4)
    expect((await ticksOf(t, id)).items.map((i) => i.jobId)).toEqual([jobs[3], jobs[2]])
    await t.request.delete(`/v1/schedules/${id}`).expect(204)
    await t.request.get(`/v1/schedules/${id}/ticks`).expect(404)
  })

  it('JOBVISOR_MAX_TICKS is validated at start, naming the variable', () => {
    expect(loadConfig({}).JOBVISOR_MAX_TICKS).toBe(1000)
    for (const bad of ['0', 'lots', '1.5'])
      expect(() => loadConfig({ JOBVISOR_MAX_TICKS: bad })).toThrow(ConfigError)
    expect(() => loadConfig({ JOBVISOR_MAX_TICKS: '0' })).toThrow(/JOBVISOR_MAX_TICKS/)
  })

  it('each recorded tick is a schedule:tick event on the stream, with the tick as stored', async () => {
    const t = await buildTestApp()
    const client = await SseClient.open(await listen(t.app), '/v1/events?types=schedule:tick')
    await waitFor(() => client.frames.some((f) => f.id !== undefined))
    const { id, jobs } = await triggered(t, 2)
    await client.until((c) => c.events.length >= 2)
    const stored = (await ticksOf(t, id)).items.reverse()
    expect(client.events.map((e) => e.json.tick)).toEqual(stored)
    expect(client.events.map((e) => e.json.tick && (e.json.tick as TickBody).jobId)).toEqual(jobs)
    expect(client.events[0]?.json).toMatchObject({ type: 'schedule:tick', schedule: { id } })
    client.close()
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  ApiError,
  createClient,
  type Job,
  type JsonValue,
  type Problem,
  type Schedule,
  type Tick,
  unwrap,
} from '../src/client/index.ts'
import { buildTestApp } from './helpers/app.ts'
import { generateClientSchema } from './helpers/openapi.ts'
import { listen } from './helpers/sse-client.ts'

const READ = 'readtoken-0123456789abcdef'
const WRITE = 'writetoken-0123456789abcdef'

describe('jobvisor/client (SPEC §13)', () => {
  it('src/client/schema.ts is generated from openapi/openapi.json (run `npm run openapi` when stale)', async () => {
    const document = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')
    const committed = readFileSync(new URL('../src/client/schema.ts', import.meta.url), 'utf8')
    expect(committed).toBe(await generateClientSchema(document))
  })

  it('creates, reads, lists, waits and cancels with typed bodies and replies', async () => {
    const t = await buildTestApp()
    const api = createClient({ baseUrl: `${await listen(t.app)}/` })

    const created = await api.POST('/v1/jobs', {
      body: { type: 'sleep', params: { ms: 60_000 }, labels: { team: 'ops' } },
    })
    expectTypeOf(created.data).toEqualTypeOf<Job | undefined>()
    expect(created.response.status).toBe(201)
    expect(created.response.headers.get('location')).toBe(`/v1/jobs/${created.data?.id}`)
    const job = unwrap(created)
    expectTypeOf(job.params).toEqualTypeOf<JsonValue>()
    expectTypeOf(job.state).toEqualTypeOf<Job['state']>()
    expect(job).toMatchObject({ type: 'sleep', params: { ms: 60_000 }, labels: { team: 'ops' } })

    const got = unwrap(await api.GET('/v1/jobs/{id}', { params: { path: { id: job.id } } }))
    expect(got.id).toBe(job.id)
    // Arrays are sent repeated (state=a&state=b): the server takes that as well as a comma list.
    const listed = unwrap(
      await api.GET('/v1/jobs', { params: { query: { state: ['running', 'queued'], label: 'team:ops' } } }),
    )
    expect(listed.items.map((j) => j.id)).toEqual([job.id])

    const polled = unwrap(await api.POST('/v1/jobs/wait', { body: { ids: [job.id], timeoutMs: 0 } }))
    expect(polled.pending.map((j) => j.id)).toEqual([job.id])
    const cancel = await api.POST('/v1/jobs/{id}/cancel', { params: { path: { id: job.id } } })
    expect([200, 202]).toContain(cancel.response.status)
    expect(unwrap(cancel).cancel?.mode).toBe('immediate')
  })

  it('errors come back as typed problem documents; unwrap throws ApiError', async () => {
    const t = await buildTestApp()
    const api = createClient({ baseUrl: await listen(t.app) })
    const missing = await api.GET('/v1/jobs/{id}', { params: { path: { id: 'no-such-job' } } })
    expectTypeOf(missing.error).toEqualTypeOf<Problem | undefined>()
    expect(missing.error).toMatchObject({ status: 404, title: 'Not Found' })
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/)

    const bad = await api.POST('/v1/jobs', { body: { type: 'sleep', params: { ms: -1 } } })
    expect(bad.error?.errors).toEqual([{ path: 'body.params.ms', message: expect.any(String) }])
    expect(() => unwrap(bad)).toThrow(ApiError)
    expect(() => unwrap(bad)).toThrow(/^400 Bad Request: body\.params\.ms/)
  })

  it('schedules and their tick history are typed too', async () => {
    const t = await buildTestApp()
    const api = createClient({ baseUrl: await listen(t.app) })
    const schedule = unwrap(
      await api.POST('/v1/schedules', {
        body: { name: 'typed', trigger: { type: 'interval', every: '1h' }, job: { type: 'noop' } },
      }),
    )
    expectTypeOf(schedule).toEqualTypeOf<Schedule>()
    const fired = unwrap(
      await api.POST('/v1/schedules/{id}/trigger', { params: { path: { id: schedule.id } } }),
    )
    const ticks = unwrap(await api.GET('/v1/schedules/{id}/ticks', { params: { path: { id: schedule.id } } }))
    expectTypeOf(ticks.items).toEqualTypeOf<Tick[]>()
    // 201 and 202 are told apart by `queued` (the narrowing a client does).
    if (fired.queued) throw new Error('expected a run, not a queued tick')
    expect(ticks.items).toMatchObject([{ outcome: 'manual', jobId: fired.job.id }])
  })

  it('sends the bearer token, read again on every request', async () => {
    const t = await buildTestApp({ JOBVISOR_TOKENS: `${READ}:read,${WRITE}:write` })
    const base = await listen(t.app)
    let token: string | undefined
    const api = createClient({ baseUrl: base, token: () => token })
    expect((await api.GET('/v1/jobs')).response.status).toBe(401)
    token = READ
    expect((await api.GET('/v1/jobs')).response.status).toBe(200)
    const refused = await api.POST('/v1/jobs', { body: { type: 'noop' } })
    expect(refused.error).toMatchObject({ status: 403 })
    token = WRITE
    expect(
      (await createClient({ baseUrl: base, token: WRITE }).POST('/v1/jobs', { body: { type: 'noop' } }))
        .response.status,
    ).toBe(201)
  })
})

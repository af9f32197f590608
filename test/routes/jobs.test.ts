import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState } from '../helpers/wait-for.ts'

describe('jobs API', () => {
  it('creates with defaults and returns the resource of SPEC §4', async () => {
    const { request } = await buildTestApp()
    const res = await request
      .post('/v1/jobs')
      .send({ type: 'sleep', params: { ms: 1 }, labels: { team: 'ops' } })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      type: 'sleep',
      params: { ms: 1 },
      priority: 0,
      timeoutMs: null,
      runAt: null,
      retry: { maxAttempts: 1 },
      attempt: 1,
      labels: { team: 'ops' },
      scheduleId: null,
      progress: null,
      result: null,
      error: null,
      cancel: null,
    })
    expect(res.body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(['queued', 'running']).toContain(res.body.state)
    expect(Date.parse(res.body.createdAt)).not.toBeNaN()
  })

  it('never shows credential headers of params in responses (QUALITY S5)', async () => {
    const { request } = await buildTestApp()
    const params = {
      url: 'https://example.invalid/x',
      headers: { Authorization: 'Bearer s3cr3t-value', 'x-trace': 'visible' },
    }
    const created = await request.post('/v1/jobs').send({ type: 'http', params, delayMs: 60_000 }).expect(201)
    const shown = (await request.get(`/v1/jobs/${created.body.id}`).expect(200)).text
    expect(created.text).not.toContain('s3cr3t-value')
    expect(shown).not.toContain('s3cr3t-value')
    expect(JSON.parse(shown).params.headers).toEqual({ Authorization: '[redacted]', 'x-trace': 'visible' })
  })

  it('Idempotency-Key: a repeat returns the original with 200, another body is 422', async () => {
    const { request } = await buildTestApp()
    const body = { type: 'noop', labels: { a: '1', b: '2' } }
    const first = await request.post('/v1/jobs').set('Idempotency-Key', 'k-1').send(body).expect(201)
    const again = await request
      .post('/v1/jobs')
      .set('Idempotency-Key', 'k-1')
      .send({ labels: { b: '2', a: '1' }, type: 'noop' })
      .expect(200)
    expect(again.body.id).toBe(first.body.id)
    const conflict = await request
      .post('/v1/jobs')
      .set('Idempotency-Key', 'k-1')
      .send({ type: 'sleep', params: { ms: 1 } })
    expect(conflict.status).toBe(422)
    expect(conflict.body.errors[0].path).toBe('headers.idempotency-key')
    const reserved = await request
      .post('/v1/jobs')
      .set('Idempotency-Key', 'schedule:x:1')
      .send(body)
      .expect(400)
    expect(reserved.body.errors[0].path).toBe('headers.idempotency-key')
    const list = (await request.get('/v1/jobs').expect(200)).body
    expect(list.items).toHaveLength(1)
  })

  it('delete: terminal → 204 and gone; active → 409; unknown → 404', async () => {
    const { request } = await buildTestApp()
    const done = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    const active = (await request.post('/v1/jobs').send({ type: 'blocking' })).body
    await jobInState(request, done.id, 'succeeded')
    await request.delete(`/v1/jobs/${active.id}`).expect(409)
    await request.delete(`/v1/jobs/${done.id}`).expect(204)
    await request.get(`/v1/jobs/${done.id}`).expect(404)
    await request.delete(`/v1/jobs/${done.id}`).expect(404)
  })

  it('lists newest first with filters and cursor pagination', async () => {
    const { request } = await buildTestApp()
    const ids: string[] = []
    for (let i = 0; i < 7; i++) {
      const labels = { parity: i % 2 === 0 ? 'even' : 'odd', n: String(i) }
      ids.push((await request.post('/v1/jobs').send({ type: 'noop', delayMs: 60_000, labels })).body.id)
    }
    ids.push((await request.post('/v1/jobs').send({ type: 'blocking' })).body.id)
    await jobInState(request, `${ids[7]}`, 'running')

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await request
        .get('/v1/jobs')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .expect(200)
      seen.push(...page.body.items.map((j) => j.id))
      cursor = page.body.nextCursor
    } while (cursor)
    expect(seen).toEqual([...ids].reverse())

    const even = (await request.get('/v1/jobs?label=parity:even').expect(200)).body.items
    expect(even.map((j: { id: string }) => j.id)).toEqual([ids[6], ids[4], ids[2], ids[0]])
    const both = (await request.get('/v1/jobs?label=parity:even&label=n:4').expect(200)).body.items
    expect(both.map((j: { id: string }) => j.id)).toEqual([ids[4]])
    const running = (await request.get('/v1/jobs?state=running').expect(200)).body.items
    expect(running.map((j: { id: string }) => j.id)).toEqual([ids[7]])
    const multi = (await request.get('/v1/jobs?state=running,scheduled&limit=2').expect(200)).body
    expect(multi.items.map((j: { id: string }) => j.id)).toEqual([ids[7], ids[6]])
    const rest = (
      await request.get(`/v1/jobs?state=running,scheduled&cursor=${multi.nextCursor}`).expect(200)
    ).body
    expect(rest.items).toHaveLength(6)
    expect(rest.nextCursor).toBeNull()
    expect((await request.get('/v1/jobs?type=blocking').expect(200)).body.items).toHaveLength(1)
  })

  it('job logs page with after/nextAfter; unknown job is 404', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'flaky', params: { failures: 0 } })).body
    await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    const page = (await request.get(`/v1/jobs/${job.id}/logs?limit=1`).expect(200)).body
    expect(page.items).toHaveLength(1)
    expect(page.items[0]).toMatchObject({ level: 'info', msg: expect.stringContaining('flaky succeeded') })
    const next = (await request.get(`/v1/jobs/${job.id}/logs?after=${page.nextAfter}`).expect(200)).body
    expect(next).toEqual({ items: [], nextAfter: page.nextAfter })
    await request.get('/v1/jobs/unknown/logs').expect(404)
  })

  it('keeps only the newest JOBVISOR_MAX_LOG_LINES lines of a job', async () => {
    const { request } = await buildTestApp({ JOBVISOR_MAX_LOG_LINES: '5' })
    const job = (await request.post('/v1/jobs').send({ type: 'chatty', params: { lines: 37 } })).body
    await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    const logs = (await request.get(`/v1/jobs/${job.id}/logs`).expect(200)).body
    expect(logs.items.map((l: { msg: string }) => l.msg)).toEqual([
      'line 33',
      'line 34',
      'line 35',
      'line 36',
      'line 37',
    ])
  })

  it('records progress reported by the handler', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'blocking', params: { units: 12 } })).body
    await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    const done = (await request.get(`/v1/jobs/${job.id}`).expect(200)).body
    expect(done.progress).toEqual({ percent: (11 / 12) * 100, message: 'unit 11' })
  })

  it('refuses a timeoutMs beyond what one timer can hold (2^31−1 ms) and a delayMs over 31 days, naming the field', async () => {
    const { request } = await buildTestApp()
    const days = (n: number) => n * 86_400_000
    for (const [field, value] of [
      ['timeoutMs', 2 ** 31],
      ['delayMs', days(31) + 1],
    ] as const) {
      const res = await request
        .post('/v1/jobs')
        .send({ type: 'noop', [field]: value })
        .expect(400)
      expect(res.body.errors[0].path).toBe(`body.${field}`)
    }
    // A delay past one timer's reach is kept (the delayed-job timer re-arms in steps).
    await request
      .post('/v1/jobs')
      .send({ type: 'noop', delayMs: days(30) })
      .expect(201)
    // The longest accepted timeout does not fire early: the job is still running after it started.
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'blocking', timeoutMs: days(24) })
        .expect(201)
    ).body
    await jobInState(request, job.id, 'running')
    const waited = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 50 })
      .expect(200)
    expect(waited.body.pending).toMatchObject([{ id: job.id, state: 'running' }])
  })

  it('refuses new work with 503 and Retry-After once JOBVISOR_MAX_QUEUED jobs wait', async () => {
    const { request } = await buildTestApp({ JOBVISOR_MAX_QUEUED: '2' })
    await request.post('/v1/jobs').send({ type: 'noop', delayMs: 60_000 }).expect(201)
    await request.post('/v1/jobs').send({ type: 'noop', delayMs: 60_000 }).expect(201)
    const full = await request.post('/v1/jobs').send({ type: 'noop' }).expect(503)
    expect(full.headers['retry-after']).toBe('1')
    expect(full.headers['content-type']).toMatch(/^application\/problem\+json/)
    await request
      .post('/v1/jobs/batch')
      .send({ jobs: [{ type: 'noop' }] })
      .expect(503)
  })

  it('lists registered job types with their params as JSON Schema', async () => {
    const { request } = await buildTestApp()
    const { items } = (await request.get('/v1/job-types').expect(200)).body
    const sleep = items.find((t: { name: string }) => t.name === 'sleep')
    expect(sleep.paramsSchema.properties.ms).toMatchObject({ type: 'integer', minimum: 0 })
    expect(items.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['noop', 'sleep', 'http', 'command']),
    )
  })

  it('serves /healthz, /readyz, /openapi.json and Swagger UI', async () => {
    const { request } = await buildTestApp()
    await request.get('/healthz').expect(200, { status: 'ok' })
    await request.get('/readyz').expect(200)
    expect((await request.get('/openapi.json').expect(200)).body.openapi).toBe('3.1.0')
    await request.get('/docs/').expect(200)
  })
})

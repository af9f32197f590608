import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { waitFor } from '../helpers/wait-for.ts'

/**
 * One row per malformed request (SPEC §5 errors paragraph): the exact status, a problem+json body
 * and, where one field is at fault, that field's path in `errors[]`. Never a 5xx.
 */
interface Case {
  name: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string | ((ids: Ids) => string)
  /** A string is sent raw with `contentType` (default JSON); anything else is sent as JSON. */
  body?: unknown
  /** Like `body`, for a body that names the fixture's jobs. */
  bodyFor?: (ids: Ids) => unknown
  contentType?: string
  headers?: Record<string, string>
  status: number
  /** Each must be (a prefix of) some `errors[].path`. */
  paths?: string[]
  /** Runs before the request, e.g. to use an Idempotency-Key once. */
  setup?: (t: TestApp) => Promise<void>
  /** Runs after it, e.g. to show that nothing was stored. */
  verify?: (t: TestApp, ids: Ids) => Promise<void>
}

interface Ids {
  /** A `blocking` job, running until cancelled. */
  running: string
  /** A `noop` job that has succeeded. */
  done: string
}

const JSON_TYPE = 'application/json'
const noop = { type: 'noop' }
const sleep = (ms: unknown) => ({ type: 'sleep', params: { ms } })
const jobs = (n: number) => Array.from({ length: n }, () => noop)
const badAt3 = (bad: unknown) => ({ jobs: [noop, noop, noop, bad, noop] })
const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))
const nothingStored = async (t: TestApp, ids: Ids) => {
  const stored = (await t.engine.list({ limit: 10 })).map((j) => j.id)
  expect(stored.sort()).toEqual([ids.running, ids.done].sort())
}

// biome-ignore format: one request per line reads as a table
const cases: Case[] = [
  // POST /v1/jobs
  { name: 'no body', method: 'POST', url: '/v1/jobs', status: 400, paths: ['body'] },
  { name: 'empty JSON body', method: 'POST', url: '/v1/jobs', body: '', contentType: JSON_TYPE, status: 400, paths: ['body'] },
  { name: 'body is an array', method: 'POST', url: '/v1/jobs', body: [], status: 400, paths: ['body'] },
  { name: 'malformed JSON', method: 'POST', url: '/v1/jobs', body: '{"type":', contentType: JSON_TYPE, status: 400, paths: ['body'] },
  { name: 'text/plain body', method: 'POST', url: '/v1/jobs', body: 'noop', contentType: 'text/plain', status: 415, paths: ['headers.content-type'] },
  { name: 'unknown content type', method: 'POST', url: '/v1/jobs', body: '<a/>', contentType: 'application/xml', status: 415, paths: ['headers.content-type'] },
  { name: 'body over 1 MiB', method: 'POST', url: '/v1/jobs', body: JSON.stringify({ type: 'noop', params: { pad: 'x'.repeat(1024 * 1024) } }), contentType: JSON_TYPE, status: 413, paths: ['body'] },
  { name: 'JSON nested 10k deep', method: 'POST', url: '/v1/jobs', body: `{"type":"noop","params":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, contentType: JSON_TYPE, status: 400, paths: ['body'] },
  { name: '__proto__ key', method: 'POST', url: '/v1/jobs', body: '{"type":"noop","params":{"__proto__":{"x":1}}}', contentType: JSON_TYPE, status: 400, paths: ['body'] },
  { name: 'type missing', method: 'POST', url: '/v1/jobs', body: { params: {} }, status: 400, paths: ['body.type'] },
  { name: 'type not a string', method: 'POST', url: '/v1/jobs', body: { type: 42 }, status: 400, paths: ['body.type'] },
  { name: 'unknown job type', method: 'POST', url: '/v1/jobs', body: { type: 'no-such-type' }, status: 400, paths: ['body.type'] },
  { name: 'sleep with ms: -1', method: 'POST', url: '/v1/jobs', body: sleep(-1), status: 400, paths: ['body.params.ms'] },
  { name: 'sleep with ms: "5"', method: 'POST', url: '/v1/jobs', body: sleep('5'), status: 400, paths: ['body.params.ms'] },
  { name: 'params not an object', method: 'POST', url: '/v1/jobs', body: { type: 'sleep', params: 5 }, status: 400, paths: ['body.params'] },
  { name: 'priority 1001', method: 'POST', url: '/v1/jobs', body: { ...noop, priority: 1001 }, status: 400, paths: ['body.priority'] },
  { name: 'priority 1.5', method: 'POST', url: '/v1/jobs', body: { ...noop, priority: 1.5 }, status: 400, paths: ['body.priority'] },
  { name: 'timeoutMs 0', method: 'POST', url: '/v1/jobs', body: { ...noop, timeoutMs: 0 }, status: 400, paths: ['body.timeoutMs'] },
  { name: 'timeoutMs a string', method: 'POST', url: '/v1/jobs', body: { ...noop, timeoutMs: '5s' }, status: 400, paths: ['body.timeoutMs'] },
  { name: 'delayMs -1', method: 'POST', url: '/v1/jobs', body: { ...noop, delayMs: -1 }, status: 400, paths: ['body.delayMs'] },
  { name: 'delayMs past 31 days', method: 'POST', url: '/v1/jobs', body: { ...noop, delayMs: 32 * 86_400_000 }, status: 400, paths: ['body.delayMs'] },
  { name: 'runAt not ISO', method: 'POST', url: '/v1/jobs', body: { ...noop, runAt: 'tomorrow' }, status: 400, paths: ['body.runAt'] },
  { name: 'runAt past year 9999 in UTC', method: 'POST', url: '/v1/jobs', body: { ...noop, runAt: '9999-12-31T23:59:59-23:59' }, status: 400, paths: ['body.runAt'] },
  { name: 'runAt and delayMs', method: 'POST', url: '/v1/jobs', body: { ...noop, runAt: '2030-01-01T00:00:00Z', delayMs: 5 }, status: 400, paths: ['body.delayMs'] },
  { name: 'retry.maxAttempts 0', method: 'POST', url: '/v1/jobs', body: { ...noop, retry: { maxAttempts: 0 } }, status: 400, paths: ['body.retry.maxAttempts'] },
  { name: 'retry.backoff.type linear', method: 'POST', url: '/v1/jobs', body: { ...noop, retry: { backoff: { type: 'linear' } } }, status: 400, paths: ['body.retry.backoff.type'] },
  { name: '21 labels', method: 'POST', url: '/v1/jobs', body: { ...noop, labels: labels(21) }, status: 400, paths: ['body.labels'] },
  { name: 'label key with a space', method: 'POST', url: '/v1/jobs', body: { ...noop, labels: { 'a b': 'x' } }, status: 400, paths: ['body.labels'] },
  { name: 'label value not a string', method: 'POST', url: '/v1/jobs', body: { ...noop, labels: { team: 1 } }, status: 400, paths: ['body.labels.team'] },
  { name: 'Idempotency-Key over 200 chars', method: 'POST', url: '/v1/jobs', body: noop, headers: { 'idempotency-key': 'k'.repeat(201) }, status: 400, paths: ['headers.idempotency-key'] },
  {
    name: 'Idempotency-Key reused with another body',
    method: 'POST',
    url: '/v1/jobs',
    body: sleep(1),
    headers: { 'idempotency-key': 'key-1' },
    setup: async (t) => {
      expect((await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: noop, headers: { 'idempotency-key': 'key-1' } })).statusCode).toBe(201)
    },
    status: 422,
    paths: ['headers.idempotency-key'],
  },
  // POST /v1/jobs/batch: all or nothing
  { name: 'batch without jobs', method: 'POST', url: '/v1/jobs/batch', body: {}, status: 400, paths: ['body.jobs'] },
  { name: 'batch jobs not an array', method: 'POST', url: '/v1/jobs/batch', body: { jobs: noop }, status: 400, paths: ['body.jobs'] },
  { name: 'batch of 0 jobs', method: 'POST', url: '/v1/jobs/batch', body: { jobs: [] }, status: 400, paths: ['body.jobs'] },
  { name: 'batch of 1001 jobs', method: 'POST', url: '/v1/jobs/batch', body: { jobs: jobs(1001) }, status: 400, paths: ['body.jobs'], verify: nothingStored },
  { name: 'batch item 3: bad priority', method: 'POST', url: '/v1/jobs/batch', body: badAt3({ ...noop, priority: 'high' }), status: 400, paths: ['body.jobs.3.priority'], verify: nothingStored },
  { name: 'batch item 3: unknown type', method: 'POST', url: '/v1/jobs/batch', body: badAt3({ type: 'nope' }), status: 400, paths: ['body.jobs.3.type'], verify: nothingStored },
  { name: 'batch item 3: sleep ms -1', method: 'POST', url: '/v1/jobs/batch', body: badAt3(sleep(-1)), status: 400, paths: ['body.jobs.3.params.ms'], verify: nothingStored },
  // GET /v1/jobs
  { name: 'list limit 0', method: 'GET', url: '/v1/jobs?limit=0', status: 400, paths: ['querystring.limit'] },
  { name: 'list limit 501', method: 'GET', url: '/v1/jobs?limit=501', status: 400, paths: ['querystring.limit'] },
  { name: 'list limit abc', method: 'GET', url: '/v1/jobs?limit=abc', status: 400, paths: ['querystring.limit'] },
  { name: 'list bad state', method: 'GET', url: '/v1/jobs?state=running,sleeping', status: 400, paths: ['querystring.state'] },
  { name: 'list bad cursor', method: 'GET', url: '/v1/jobs?cursor=%E2%9C%93%E2%9C%93', status: 400, paths: ['querystring.cursor'] },
  { name: 'list label without colon', method: 'GET', url: '/v1/jobs?label=team', status: 400, paths: ['querystring.label'] },
  { name: 'list bad type', method: 'GET', url: '/v1/jobs?type=a%20b', status: 400, paths: ['querystring.type'] },
  // GET /v1/jobs/:id
  { name: 'get unknown id', method: 'GET', url: '/v1/jobs/no-such-job', status: 404 },
  { name: 'get id over 100 chars', method: 'GET', url: `/v1/jobs/${'a'.repeat(101)}`, status: 400, paths: ['params.id'] },
  { name: 'get id with bad percent-encoding', method: 'GET', url: '/v1/jobs/%E0%A4%A', status: 400 },
  // POST /v1/jobs/:id/cancel
  { name: "cancel with mode 'later'", method: 'POST', url: (ids) => `/v1/jobs/${ids.running}/cancel`, body: { mode: 'later' }, status: 400, paths: ['body.mode'] },
  { name: 'cancel with graceMs -1', method: 'POST', url: (ids) => `/v1/jobs/${ids.running}/cancel`, body: { graceMs: -1 }, status: 400, paths: ['body.graceMs'] },
  { name: 'cancel with reason over 500 chars', method: 'POST', url: (ids) => `/v1/jobs/${ids.running}/cancel`, body: { reason: 'r'.repeat(501) }, status: 400, paths: ['body.reason'] },
  { name: 'cancel with a JSON string body', method: 'POST', url: (ids) => `/v1/jobs/${ids.running}/cancel`, body: '"now"', contentType: JSON_TYPE, status: 400, paths: ['body'] },
  { name: 'cancel unknown id', method: 'POST', url: '/v1/jobs/no-such-job/cancel', body: {}, status: 404 },
  { name: 'cancel a finished job', method: 'POST', url: (ids) => `/v1/jobs/${ids.done}/cancel`, body: {}, status: 409 },
  // POST /v1/jobs/wait
  { name: 'wait without ids', method: 'POST', url: '/v1/jobs/wait', body: { timeoutMs: 0 }, status: 400, paths: ['body.ids'] },
  { name: 'wait with 0 ids', method: 'POST', url: '/v1/jobs/wait', body: { ids: [] }, status: 400, paths: ['body.ids'] },
  { name: 'wait with 1001 ids', method: 'POST', url: '/v1/jobs/wait', body: { ids: Array.from({ length: 1001 }, (_, i) => `j${i}`) }, status: 400, paths: ['body.ids'] },
  { name: 'wait with duplicate ids', method: 'POST', url: '/v1/jobs/wait', body: { ids: ['a', 'b', 'a'] }, status: 400, paths: ['body.ids'] },
  { name: 'wait with a non-string id', method: 'POST', url: '/v1/jobs/wait', body: { ids: [7] }, status: 400, paths: ['body.ids.0'] },
  { name: 'wait with an unknown id', method: 'POST', url: '/v1/jobs/wait', bodyFor: (ids) => ({ ids: [ids.done, 'no-such-job'], timeoutMs: 0 }), status: 404 },
  { name: 'wait with timeoutMs -1', method: 'POST', url: '/v1/jobs/wait', body: { ids: ['a'], timeoutMs: -1 }, status: 400, paths: ['body.timeoutMs'] },
  { name: 'wait with timeoutMs 600001', method: 'POST', url: '/v1/jobs/wait', body: { ids: ['a'], timeoutMs: 600_001 }, status: 400, paths: ['body.timeoutMs'] },
  { name: 'wait with bad returnWhen', method: 'POST', url: '/v1/jobs/wait', body: { ids: ['a'], returnWhen: 'any' }, status: 400, paths: ['body.returnWhen'] },
  { name: 'wait with cancelPending "yes"', method: 'POST', url: '/v1/jobs/wait', body: { ids: ['a'], cancelPending: 'yes' }, status: 400, paths: ['body.cancelPending'] },
  // GET /v1/jobs/:id/logs
  { name: 'logs after=-1', method: 'GET', url: (ids) => `/v1/jobs/${ids.done}/logs?after=-1`, status: 400, paths: ['querystring.after'] },
  { name: 'logs limit 1001', method: 'GET', url: (ids) => `/v1/jobs/${ids.done}/logs?limit=1001`, status: 400, paths: ['querystring.limit'] },
  { name: 'logs of an unknown job', method: 'GET', url: '/v1/jobs/no-such-job/logs', status: 404 },
  // DELETE /v1/jobs/:id
  { name: 'delete unknown id', method: 'DELETE', url: '/v1/jobs/no-such-job', status: 404 },
  { name: 'delete a running job', method: 'DELETE', url: (ids) => `/v1/jobs/${ids.running}`, status: 409 },
  { name: 'delete with an empty JSON body', method: 'DELETE', url: (ids) => `/v1/jobs/${ids.done}`, body: '', contentType: JSON_TYPE, status: 400, paths: ['body'] },
  // GET /v1/job-types and unknown routes or methods
  { name: 'POST /v1/job-types', method: 'POST', url: '/v1/job-types', body: {}, status: 404 },
  { name: 'unknown route', method: 'GET', url: '/v1/nothing-here', status: 404 },
  { name: 'unknown version prefix', method: 'GET', url: '/v2/jobs', status: 404 },
  { name: 'PUT on the jobs collection', method: 'PUT', url: '/v1/jobs', body: noop, status: 404 },
  { name: 'PATCH on a job', method: 'PATCH', url: (ids) => `/v1/jobs/${ids.done}`, body: {}, status: 404 },
]

async function startJobs(t: TestApp): Promise<Ids> {
  const running = (await t.engine.create({ type: 'blocking', params: {}, priority: 0 })).job.id
  const done = (await t.engine.create({ type: 'noop', params: {}, priority: 0 })).job.id
  await waitFor(async () => (await t.engine.get(done)).state === 'succeeded')
  return { running, done }
}

describe('malformed requests get a problem+json 4xx that names the field', () => {
  it.each(cases)('$method $name → $status', async (c) => {
    const t = await buildTestApp()
    const ids = await startJobs(t)
    await c.setup?.(t)
    const body = c.bodyFor ? c.bodyFor(ids) : c.body
    const contentType = typeof body === 'string' ? (c.contentType ?? JSON_TYPE) : JSON_TYPE
    const res = await t.app.inject({
      method: c.method,
      url: typeof c.url === 'function' ? c.url(ids) : c.url,
      headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...c.headers },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    expect(res.statusCode, res.body).toBe(c.status)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    const problem = res.json()
    expect(problem).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status: c.status,
      detail: expect.any(String),
    })
    const paths: string[] = (problem.errors ?? []).map((e: { path: string }) => e.path)
    for (const path of c.paths ?? []) {
      expect(
        paths.some((p) => p === path || p.startsWith(`${path}.`)),
        `${path} in [${paths}]`,
      ).toBe(true)
    }
    await c.verify?.(t, ids)
  })
})

describe('a missing body where every field is optional', () => {
  it('POST /v1/jobs/:id/cancel with no body cancels with the defaults (SPEC §3)', async () => {
    const t = await buildTestApp()
    const { running } = await startJobs(t)
    await waitFor(async () => (await t.engine.get(running)).state === 'running')
    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${running}/cancel` })
    expect(res.statusCode, res.body).toBe(202)
    expect(res.json()).toMatchObject({ state: 'cancelling', cancel: { mode: 'immediate' } })
  })
})

import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { waitFor } from '../helpers/wait-for.ts'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses the text exposition format into samples; label order does not matter to the assertions. */
function parse(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) continue
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    )
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) })
  }
  return samples
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`)
  return found[0]?.value
}

async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await t.request.get('/metrics').expect(200)
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parse(res.text)
}

async function runToEnd(t: TestApp, jobs: Record<string, unknown>[]): Promise<void> {
  const ids: string[] = []
  for (const job of jobs) ids.push((await t.request.post('/v1/jobs').send(job).expect(201)).body.id)
  await t.request.post('/v1/jobs/wait').send({ ids, timeoutMs: 5000 }).expect(200)
}

describe('GET /metrics', () => {
  it('counts created and finished jobs by type and state, with durations', async () => {
    const t = await buildTestApp()
    const noop = { type: 'noop', params: {} }
    const failing = { type: 'flaky', params: { failures: 5 } }
    await runToEnd(t, [noop, noop, noop, failing, failing])
    const samples = await scrape(t)

    expect(value(samples, 'jobvisor_jobs_created_total', { type: 'noop' })).toBe(3)
    expect(value(samples, 'jobvisor_jobs_created_total', { type: 'flaky' })).toBe(2)
    // Registered but unused types are present at zero, so rate() works from the first scrape.
    expect(value(samples, 'jobvisor_jobs_created_total', { type: 'sleep' })).toBe(0)
    expect(value(samples, 'jobvisor_jobs_finished_total', { type: 'noop', state: 'succeeded' })).toBe(3)
    expect(value(samples, 'jobvisor_jobs_finished_total', { type: 'flaky', state: 'failed' })).toBe(2)
    expect(value(samples, 'jobvisor_jobs_finished_total', { type: 'noop', state: 'failed' })).toBe(0)
    expect(value(samples, 'jobvisor_job_duration_seconds_count', { type: 'noop', state: 'succeeded' })).toBe(
      3,
    )
    expect(
      value(samples, 'jobvisor_job_duration_seconds_bucket', { type: 'flaky', state: 'failed', le: '+Inf' }),
    ).toBe(2)
    expect(value(samples, 'jobvisor_jobs', { state: 'succeeded' })).toBe(3)
    expect(value(samples, 'jobvisor_jobs', { state: 'failed' })).toBe(2)
    expect(value(samples, 'jobvisor_jobs', { state: 'running' })).toBe(0)
    expect(value(samples, 'jobvisor_jobs_running')).toBe(0)
    expect(value(samples, 'jobvisor_jobs_queued')).toBe(0)
    // Process metrics from collectDefaultMetrics.
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(value(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    // Only registered type names ever become `type` labels.
    const typeLabels = new Set(
      samples.filter((s) => s.name.startsWith('jobvisor_') && s.labels.type).map((s) => s.labels.type),
    )
    for (const type of typeLabels) expect(t.registry.names()).toContain(type)
  })

  it('reads the running, queued and per-state gauges at scrape time', async () => {
    const t = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const post = (body: Record<string, unknown>) => t.request.post('/v1/jobs').send(body).expect(201)
    const running = (await post({ type: 'blocking', params: {} })).body.id
    await waitFor(async () => (await t.engine.get(running)).state === 'running')
    await post({ type: 'noop', params: {} })
    await post({ type: 'noop', params: {}, delayMs: 60_000 })
    const samples = await scrape(t)
    expect(value(samples, 'jobvisor_jobs_running')).toBe(1)
    expect(value(samples, 'jobvisor_jobs_queued')).toBe(1)
    expect(value(samples, 'jobvisor_jobs', { state: 'queued' })).toBe(1)
    expect(value(samples, 'jobvisor_jobs', { state: 'scheduled' })).toBe(1)
    expect(value(samples, 'jobvisor_jobs', { state: 'running' })).toBe(1)
  })

  it('labels HTTP durations with the route pattern, never the raw URL', async () => {
    const t = await buildTestApp()
    await t.request.get('/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV').expect(404)
    await t.request.get('/v1/jobs/SOMEID').expect(404)
    await t.request.get('/no/such/route/42').expect(404)
    await t.request.get('/healthz').expect(200)
    const samples = await scrape(t)
    const http = 'jobvisor_http_request_duration_seconds_count'
    expect(value(samples, http, { method: 'GET', route: '/v1/jobs/:id', status_code: '404' })).toBe(2)
    expect(value(samples, http, { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1)
    expect(value(samples, http, { method: 'GET', route: '/healthz', status_code: '200' })).toBe(1)
    const routes = new Set(samples.filter((s) => s.labels.route).map((s) => s.labels.route))
    expect([...routes].some((r) => r?.includes('SOMEID') || r?.includes('01ARZ'))).toBe(false)
  })

  it('records schedule lateness reported by the scheduler in ms-level buckets', async () => {
    const t = await buildTestApp()
    t.service.metrics.observeScheduleLateness(0.0015)
    t.service.metrics.observeScheduleLateness(0.004)
    t.service.metrics.observeScheduleLateness(-0.0001) // counted as on time
    const samples = await scrape(t)
    const bucket = (le: string) => value(samples, 'jobvisor_schedule_lateness_seconds_bucket', { le })
    expect(bucket('0.0005')).toBe(1)
    expect(bucket('0.002')).toBe(2)
    expect(bucket('0.005')).toBe(3)
    expect(value(samples, 'jobvisor_schedule_lateness_seconds_count')).toBe(3)
  })

  it('keeps each app instance’s counts apart', async () => {
    const a = await buildTestApp()
    const b = await buildTestApp()
    await runToEnd(a, [{ type: 'noop', params: {} }])
    expect(value(await scrape(a), 'jobvisor_jobs_created_total', { type: 'noop' })).toBe(1)
    expect(value(await scrape(b), 'jobvisor_jobs_created_total', { type: 'noop' })).toBe(0)
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from './helpers/app.ts'
import { describePlan, role, Tally, violation } from './helpers/fuzz/check.ts'
import { garbagePlan } from './helpers/fuzz/garbage.ts'
import { type Plan, routePlan } from './helpers/fuzz/plan.ts'
import { IdPool, type Outcome, send, sendOverHttp } from './helpers/fuzz/send.ts'
import { startServer } from './helpers/server-process.ts'

/**
 * QUALITY R1: property-based fuzzing of every registered route, with auth on and every role
 * (no token, a wrong one, read, write). The routes come from the app's own route table, so a
 * route added later is fuzzed without touching this file; its body and query generators come
 * from its OpenAPI schema unless `plan.ts` knows better (jobs and schedules). Most requests go
 * through `inject`; the rest go over real sockets to a real server process, which must still be
 * alive and working afterwards.
 *
 * Reproduce a failure with FUZZ_SEED=<seed> (printed in the test name); FUZZ_REQUESTS raises
 * the volume for a longer local run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101)
const TARGET = Number(process.env.FUZZ_REQUESTS ?? 10_000)
/** Over real sockets: a fifth, enough to meet the parser and socket paths, cheap enough for CI. */
const OVER_HTTP = Math.ceil(TARGET / 5)
/** Requests sent concurrently per property run: overlapping requests find more than serial ones. */
const BATCH = 20
const TOKENS = { read: 'fuzz-read-token-0000001', write: 'fuzz-write-token-000001' }
const AUTH_ENV = { JOBVISOR_TOKENS: `${TOKENS.write}:write,${TOKENS.read}:read` }
/**
 * Least share of 2xx per API route. At most ~24% can succeed (40% valid × 60% write token), less
 * where success needs a job or schedule in the right state (cancel: a running job); a route below
 * this only ever refuses (e.g. its ids never exist), so its handler's success path went unfuzzed.
 */
const MIN_OK_SHARE = 0.02

/** The generator over every route of `app`: a route's weight follows what the fuzzer knows of it. */
function plans(routes: readonly { method: string; url: string }[], doc: Record<string, unknown>) {
  const perRoutePlans = routes.map((r) => routePlan(r, doc))
  // One request in ten goes to no route in particular.
  const routeWeights = perRoutePlans.reduce((sum, p) => sum + p.weight, 0)
  return fc
    .tuple(fc.oneof(...perRoutePlans, { weight: Math.ceil(routeWeights / 9), arbitrary: garbagePlan }), role)
    .map(([plan, auth]): Plan => ({ ...plan, auth }))
}

/** Runs `requests` generated plans through `sendOne` in concurrent batches; throws on the first violation. */
async function fuzz(
  plan: fc.Arbitrary<Plan>,
  requests: number,
  sendOne: (plan: Plan) => Promise<Outcome | null>,
  tally: Tally,
  pool: IdPool,
): Promise<void> {
  const result = await fc.check(
    fc.asyncProperty(fc.array(plan, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const outcomes = await Promise.all(
        batch.map((p) =>
          sendOne(p).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
        ),
      )
      batch.forEach((p, i) => {
        const out = outcomes[i] as Outcome | Error | null
        if (out === null) return // the client library would not send it
        if (out instanceof Error) throw new Error(`no response: ${describePlan(p, out)}`)
        tally.record(p, out)
        const wrong = violation(p, out)
        if (wrong) throw new Error(`${wrong}: ${describePlan(p, out)}`)
        if (out.status < 300) pool.learn(out.body)
      })
    }),
    { seed: SEED, numRuns: Math.ceil(requests / BATCH), endOnFailure: true },
  )
  // fast-check's own report prints all 20 requests of the batch; the failing one is enough.
  if (result.failed) {
    const cause =
      result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)
    throw new Error(`fuzz failed (FUZZ_SEED=${SEED}, run ${result.numRuns}): ${cause}`)
  }
}

describe(`R1 fuzzing (seed ${SEED}; FUZZ_SEED overrides)`, () => {
  it(`sends ≥ ${TARGET - OVER_HTTP} generated requests in process over every route and role: no 5xx, every error problem+json`, async () => {
    const { app, engine } = await buildTestApp(AUTH_ENV)
    const routes = app.routeTable
    expect(routes.length).toBeGreaterThan(10)
    const pool = new IdPool()
    // Jobs in several states and a few schedules before the first request, so ids in paths hit records.
    for (const input of [
      { type: 'noop' },
      { type: 'blocking', params: { units: 1_000_000 } },
      { type: 'noop', delayMs: 86_400_000 },
      { type: 'flaky', params: { failures: 5 } },
    ]) {
      pool.jobs.add((await engine.create({ params: {}, priority: 0, ...input })).job.id)
    }
    for (const [name, trigger] of [
      ['seed-interval', { type: 'interval', every: '1h' }],
      ['seed-cron', { type: 'cron', expression: '0 0 * * *' }],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/schedules',
        headers: { authorization: `Bearer ${TOKENS.write}` },
        payload: { name, trigger, job: { type: 'noop' } },
      })
      expect(res.statusCode).toBe(201)
      pool.learn(res.body)
    }

    const tally = new Tally()
    const started = performance.now()
    const doc = app.swagger() as unknown as Record<string, unknown>
    await fuzz(plans(routes, doc), TARGET - OVER_HTTP, (p) => send(app, p, pool, TOKENS), tally, pool)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.info(`fuzz seed ${SEED}: ${tally.total} requests in process in ${seconds} s; ${tally.summary()}`)
    if (process.env.FUZZ_VERBOSE)
      console.info(
        routes.map((r) => `${r.method} ${r.url}: ${tally.okShare(`${r.method} ${r.url}`)}`).join('\n'),
      )

    expect(tally.total).toBeGreaterThanOrEqual(TARGET - OVER_HTTP)
    for (const r of routes) {
      const key = `${r.method} ${r.url}`
      // Every registered route got its share: API routes ~4× the Swagger UI assets and HEAD twins.
      expect(tally.sent.get(key) ?? 0, key).toBeGreaterThan(15)
      // …and API routes answered some of it with success, so their handlers ran, not only refusals.
      // Static files (Swagger UI, the dashboard) are named by path: a generated name is a 404.
      if (r.method !== 'HEAD' && !/^\/(docs|ui)(\/|$)/.test(r.url))
        expect(tally.okShare(key), `2xx share of ${key}`).toBeGreaterThanOrEqual(MIN_OK_SHARE)
    }
  }, 180_000)

  it(`sends ${OVER_HTTP} more to a real server process over sockets, which is alive and working afterwards`, async () => {
    const server = await startServer({ JOBVISOR_DB: ':memory:', ...AUTH_ENV })
    const pool = new IdPool()
    const auth = { authorization: `Bearer ${TOKENS.write}` }
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, unknown>
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, item]) =>
        Object.keys(item).map((method) => ({
          method: method.toUpperCase(),
          url: path.replace(/\{(\w+)\}/g, ':$1'),
        })),
    )
    const tally = new Tally()
    await fuzz(plans(routes, doc), OVER_HTTP, (p) => sendOverHttp(server.url, p, pool, TOKENS), tally, pool)
    console.info(`fuzz seed ${SEED}: ${tally.total} requests over sockets; ${tally.summary()}`)
    expect(tally.total).toBeGreaterThan(OVER_HTTP * 0.9)

    // Alive: the process has not exited, answers its probes, and still runs and waits for jobs.
    const exited = await Promise.race([
      server.exited,
      new Promise((resolve) => setImmediate(resolve, 'alive')),
    ])
    expect(exited).toBe('alive')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    const created = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'sleep', params: { ms: 1 } }),
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    const waited = await fetch(`${server.url}/v1/jobs/wait`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [id], timeoutMs: 5000 }),
    })
    expect(waited.status).toBe(200)
    expect(((await waited.json()) as { done: unknown[] }).done).toMatchObject([{ id, state: 'succeeded' }])
    expect(server.stderr()).toBe('')
  }, 120_000)
})

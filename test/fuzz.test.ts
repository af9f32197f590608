import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from './helpers/app.ts'
import { garbagePlan } from './helpers/fuzz/garbage.ts'
import { type Plan, routePlan } from './helpers/fuzz/plan.ts'
import { IdPool, type Outcome, send } from './helpers/fuzz/send.ts'

/**
 * QUALITY R1: property-based fuzzing of every registered route. The routes come from the app's
 * own route table, so a route added later is fuzzed without touching this file; its body and
 * query generators come from its OpenAPI schema unless `plan.ts` knows better.
 *
 * Reproduce a failure with FUZZ_SEED=<seed> (printed in the test name); FUZZ_REQUESTS raises
 * the volume for a longer local run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101)
const TARGET = Number(process.env.FUZZ_REQUESTS ?? 10_000)
/** Requests sent concurrently per property run: overlapping requests find more than serial ones. */
const BATCH = 20

/** One request and its outcome, long strings cut, for a failure message a human can read. */
const describePlan = (plan: Plan, outcome: Outcome | Error) => {
  const cut = (_: string, v: unknown) =>
    typeof v === 'string' && v.length > 120
      ? `${v.slice(0, 120)}…(${v.length})`
      : v instanceof Uint8Array
        ? `<${v.length} bytes>`
        : v
  const got =
    outcome instanceof Error
      ? `threw ${outcome.message}`
      : `${outcome.status} ${outcome.contentType} ${outcome.body.slice(0, 500)}`
  return `${JSON.stringify(plan, cut)} → ${got}`
}

/** Why a response breaks R1 or the problem+json contract (SPEC §5), or null when it is fine. */
function violation(plan: Plan, out: Outcome): string | null {
  if (out.status >= 500) return `status ${out.status}`
  if (out.status < 400 || plan.method === 'HEAD') return null
  if (!out.contentType.startsWith('application/problem+json'))
    return `a ${out.status} that is not problem+json`
  let problem: Record<string, unknown>
  try {
    problem = JSON.parse(out.body)
  } catch {
    return `a ${out.status} whose body is not JSON`
  }
  for (const field of ['type', 'title', 'detail']) {
    if (typeof problem[field] !== 'string') return `a problem without a string ${field}`
  }
  return problem.status === out.status ? null : `problem.status ${problem.status} ≠ ${out.status}`
}

describe(`R1 fuzzing (seed ${SEED}; FUZZ_SEED overrides)`, () => {
  it(`sends ≥ ${TARGET} generated requests over every route: no 5xx, every error problem+json`, async () => {
    const { app, engine } = await buildTestApp()
    const routes = app.routeTable
    expect(routes.length).toBeGreaterThan(10)
    const doc = app.swagger() as unknown as Record<string, unknown>
    const pool = new IdPool()
    // Jobs in several states before the first request, so ids in paths hit real records.
    for (const input of [
      { type: 'noop' },
      { type: 'blocking', params: { units: 1_000_000 } },
      { type: 'noop', delayMs: 86_400_000 },
      { type: 'flaky', params: { failures: 5 } },
    ]) {
      pool.add((await engine.create({ params: {}, priority: 0, ...input })).job.id)
    }

    const perRoutePlans = routes.map((r) => routePlan(r, doc))
    // One request in ten goes to no route in particular.
    const routeWeights = perRoutePlans.reduce((sum, p) => sum + p.weight, 0)
    const plan = fc.oneof(...perRoutePlans, { weight: Math.ceil(routeWeights / 9), arbitrary: garbagePlan })
    const perRoute = new Map<string, number>()
    const perStatus = new Map<number, number>()
    const perRouteStatus = new Map<string, number>()
    let sent = 0
    const started = performance.now()
    const cpuBefore = process.cpuUsage()

    const result = await fc.check(
      fc.asyncProperty(fc.array(plan, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const outcomes = await Promise.all(
          batch.map((p) =>
            send(app, p, pool).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
          ),
        )
        batch.forEach((p, i) => {
          const out = outcomes[i] as Outcome | Error
          sent++
          perRoute.set(p.route, (perRoute.get(p.route) ?? 0) + 1)
          if (out instanceof Error) throw new Error(`no response: ${describePlan(p, out)}`)
          perStatus.set(out.status, (perStatus.get(out.status) ?? 0) + 1)
          const rs = `${p.route} ${p.kind} → ${out.status}`
          perRouteStatus.set(rs, (perRouteStatus.get(rs) ?? 0) + 1)
          const wrong = violation(p, out)
          if (wrong) throw new Error(`${wrong}: ${describePlan(p, out)}`)
          if (out.status < 300) pool.learn(out.body)
        })
      }),
      { seed: SEED, numRuns: Math.ceil(TARGET / BATCH), endOnFailure: true },
    )
    // fast-check's own report prints all 20 requests of the batch; the failing one is enough.
    if (result.failed) {
      const cause =
        result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)
      throw new Error(`fuzz failed (FUZZ_SEED=${SEED}, run ${result.numRuns}): ${cause}`)
    }

    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const cpu = process.cpuUsage(cpuBefore)
    const cpuSeconds = ((cpu.user + cpu.system) / 1e6).toFixed(1)
    const statuses = [...perStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`)
    console.info(
      `fuzz seed ${SEED}: ${sent} requests in ${seconds} s (${cpuSeconds} s CPU) over ${perRoute.size} routes; ${statuses.join(' ')}`,
    )
    if (process.env.FUZZ_VERBOSE)
      console.info(
        [...perRouteStatus]
          .sort()
          .map(([k, n]) => `${k}: ${n}`)
          .join('\n'),
      )
    expect(sent).toBeGreaterThanOrEqual(TARGET)
    // Every registered route got its share: API routes ~4× the Swagger UI assets and HEAD twins.
    for (const r of routes)
      expect(perRoute.get(`${r.method} ${r.url}`) ?? 0, `${r.method} ${r.url}`).toBeGreaterThan(20)

    // Still alive and still doing its job.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    const created = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'sleep', params: { ms: 1 } },
    })
    expect(created.statusCode).toBe(201)
    const waited = await app.inject({
      method: 'POST',
      url: '/v1/jobs/wait',
      payload: { ids: [created.json().id], timeoutMs: 5000 },
    })
    expect(waited.statusCode).toBe(200)
    expect(waited.json().done).toMatchObject([{ id: created.json().id, state: 'succeeded' }])
  }, 180_000)
})

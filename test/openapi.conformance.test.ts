import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { createService, type Service } from '../src/service.ts'
import { isNode, type Node } from './helpers/conformance/arbitrary.ts'
import { type Answer, Contract, essence } from './helpers/conformance/contract.ts'
import { type Plan, plansFor } from './helpers/conformance/requests.ts'

/**
 * The document says what the server does (issue 12): every operation of GET /openapi.json is
 * driven with requests generated from the document itself (fast-check over its JSON Schemas), and
 * every answer must have a documented status, a documented content type, a body valid against the
 * documented schema (Ajv, JSON Schema 2020-12) and the documented headers. Valid requests must not
 * be refused for a rule the document does not state; invalid ones must get a 4xx.
 *
 * FUZZ_SEED reproduces a run; CONFORMANCE_RUNS raises the volume.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_112)
const RUNS_PER_OPERATION = Number(process.env.CONFORMANCE_RUNS ?? 40)
const READ = 'readtoken-0123456789abcdef'
const WRITE = 'writetoken-0123456789abcdef'

/**
 * Rules JSON Schema cannot state, each said in words in the document: a doc-valid request may be
 * refused for these (400 naming the field), and for no other reason.
 */
const RULES_IN_WORDS: RegExp[] = [
  /^querystring\.cursor$/, // an opaque token: only a nextCursor the API returned
  /^querystring\.lastEventId$|^headers\.last-event-id$/, // an id this stream sent (below 2^53)
  /^body(\.jobs\.\d+|\.job)?\.params\.(url|headers)$/, // a type's own refinements (an http(s) URL, header count)
  /^body\.trigger\.(expression|timezone|every|backoff\.maxMs)$/, // cron grammar, IANA zones, duration range
  /^body\.(endAt|maxRuns)$/, // a window that leaves no run (endAt before startAt or the first due)
]

let service: Service
let base: string
let contract: Contract
const poolIds = { job: [] as string[], schedule: [] as string[] }

beforeAll(async () => {
  const config = loadConfig({
    JOBVISOR_DB: ':memory:',
    JOBVISOR_TOKENS: `${READ}:read,${WRITE}:write`,
    JOBVISOR_GRACE_MS: '100',
  })
  service = await createService(config, pino({ level: 'silent' }), { validateResponses: true })
  await service.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  contract = new Contract(service.app.swagger() as unknown as Node)
  await refill()
})

/** Fresh records in several states before each operation, so ids in its paths reach real resources. */
async function refill() {
  for (const input of [
    { type: 'noop' },
    { type: 'sleep', params: { ms: 3_600_000 } },
    { type: 'noop', delayMs: 86_400_000 },
  ])
    poolIds.job.push((await service.engine.create({ params: {}, priority: 0, ...input })).job.id)
  for (const paused of [false, true]) {
    const name = `pool-${poolIds.schedule.length}`
    const trigger = { type: 'interval', every: '1h' }
    const created = await send({
      method: 'POST',
      path: '/v1/schedules',
      body: { name, trigger, job: { type: 'noop' } },
    })
    const id = JSON.parse(created.body).id as string
    if (paused) await send({ method: 'POST', path: `/v1/schedules/${id}/pause` })
    poolIds.schedule.push(id)
  }
}

afterAll(async () => {
  await service?.shutdown(0)
})

async function send(req: {
  method: string
  path: string
  query?: [string, string][]
  headers?: Record<string, string>
  body?: Plan['body'] | Record<string, unknown>
  token?: string | null
}): Promise<Answer> {
  const url = new URL(req.path, base)
  for (const [k, v] of req.query ?? []) url.searchParams.append(k, v)
  const headers: Record<string, string> = { ...req.headers }
  if (req.token !== null) headers.authorization = `Bearer ${req.token ?? WRITE}`
  let body: string | undefined
  const planned = req.body as Plan['body']
  if (planned && 'raw' in planned) {
    body = planned.raw
    headers['content-type'] = planned.contentType
  } else if (planned !== undefined) {
    body = JSON.stringify('json' in planned ? planned.json : planned)
    headers['content-type'] = 'application/json'
  }
  const res = await fetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(10_000) })
  const contentType = essence(res.headers.get('content-type'))
  // An event stream never ends: its head is what is checked.
  if (contentType === 'text/event-stream') {
    await res.body?.cancel()
    return { status: res.status, contentType, headers: res.headers, body: '' }
  }
  return { status: res.status, contentType, headers: res.headers, body: await res.text() }
}

const poolFor = (path: string) => (path.startsWith('/v1/schedules') ? poolIds.schedule : poolIds.job)

function concrete(plan: Plan): string {
  return plan.op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const given = plan.path[name]
    const pool = poolFor(plan.op.path)
    // The newest few: earlier operations may have deleted or stopped the older ones.
    const recent = pool.slice(-6)
    const value =
      given && 'literal' in given ? given.literal : (recent[(given?.pick ?? 0) % recent.length] ?? 'none')
    return encodeURIComponent(value)
  })
}

/** Ids of created resources, for later paths. */
function learn(plan: Plan, answer: Answer) {
  if (answer.status >= 300 || !answer.contentType.endsWith('json')) return
  const found = JSON.parse(answer.body) as Node
  const pool = poolFor(plan.op.path)
  const add = (v: unknown) => {
    if (isNode(v) && typeof v.id === 'string' && !pool.includes(v.id)) pool.push(v.id)
  }
  add(found)
  if (Array.isArray(found.items)) found.items.slice(0, 3).forEach(add)
}

/** Fields a doc-valid request was refused for (a rule in words), for the summary line. */
const refusedFor = new Map<string, number>()

/** Why an answer to a plan breaks the contract, or null. */
function wrong(plan: Plan, answer: Answer): string | null {
  if (answer.status >= 500) return `status ${answer.status}`
  const broken = contract.violation(plan.op, answer)
  if (broken) return broken
  if (plan.kind === 'invalid' && (answer.status < 400 || answer.status >= 500))
    return `an invalid request got ${answer.status}`
  if (plan.kind === 'valid' && answer.status === 400) {
    const paths = ((JSON.parse(answer.body) as { errors?: { path: string }[] }).errors ?? []).map(
      (e) => e.path,
    )
    const unstated = paths.filter((p) => !RULES_IN_WORDS.some((rule) => rule.test(p)))
    for (const p of paths) refusedFor.set(p.replace(/\.\d+\./g, '.N.'), (refusedFor.get(p) ?? 0) + 1)
    if (paths.length === 0 || unstated.length > 0)
      return `a request valid by the document was refused: ${answer.body.slice(0, 400)}`
  }
  return null
}

const show = (plan: Plan, answer: Answer) =>
  `${plan.op.method} ${concrete(plan)}?${new URLSearchParams(plan.query)} ${JSON.stringify(plan.body)?.slice(0, 300)} → ${answer.status} ${answer.contentType} ${answer.body.slice(0, 300)}`

describe(`the OpenAPI document matches the server (seed ${SEED})`, () => {
  it('every operation, driven with valid and invalid requests generated from the document', async () => {
    const operations = contract.operations()
    expect(operations.length).toBeGreaterThan(20)
    const outcomes = new Map<string, Set<number>>()
    for (const op of operations) {
      const key = `${op.method} ${op.path}`
      outcomes.set(key, new Set())
      await refill()
      await fc.assert(
        fc.asyncProperty(
          plansFor(op, contract, () => poolIds.job),
          async (plan) => {
            const answer = await send({
              method: op.method,
              path: concrete(plan),
              query: plan.query,
              headers: plan.headers,
              body: plan.body,
            })
            outcomes.get(key)?.add(answer.status)
            const why = wrong(plan, answer)
            if (why) throw new Error(`${plan.kind}: ${why}\n  ${show(plan, answer)}`)
            learn(plan, answer)
          },
        ),
        { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      )
    }
    const statuses = [...outcomes].map(([k, v]) => `${k}: ${[...v].sort().join(',')}`)
    console.info(
      `conformance: ${operations.length} operations × ${RUNS_PER_OPERATION} requests\n  ${statuses.join('\n  ')}\n  refused by rules in words: ${JSON.stringify(Object.fromEntries(refusedFor))}`,
    )
    // Not vacuous: every operation answered with success at least once.
    const neverSucceeded = [...outcomes]
      .filter(([, statuses]) => ![...statuses].some((s) => s < 300))
      .map(([k]) => k)
    expect(neverSucceeded).toEqual([])
  }, 240_000)
})

describe('the statuses the document adds to every operation are the server’s', () => {
  /** A request every operation accepts the shape of: its path with pool ids, a minimal valid body. */
  const minimal = (path: string) => path.replace(/\{(\w+)\}/g, () => poolFor(path).at(-1) ?? 'none')
  const check = (method: string, path: string, answer: Answer, expected: number) => {
    const op = contract.operations().find((o) => o.method === method && o.path === path)
    if (!op) throw new Error(`${method} ${path} is not in the document`)
    const documented = isNode(op.node.responses) && String(expected) in op.node.responses
    return {
      op: `${method} ${path}`,
      status: answer.status,
      documented: answer.status === expected ? documented : 'n/a',
      violation: contract.violation(op, answer),
    }
  }

  it('401 without a token and 403 with a read token on write routes (JOBVISOR_TOKENS)', async () => {
    await refill()
    const results = []
    for (const op of contract.operations()) {
      const path = minimal(op.path)
      const open = Array.isArray(op.node.security) && op.node.security.length === 0
      if (op.method !== 'GET' || !open) {
        const answer = await send({ method: op.method, path, token: null })
        results.push({ ...check(op.method, op.path, answer, 401), want: open ? 'not 401' : 401 })
      }
      if (['POST', 'PATCH', 'DELETE'].includes(op.method) && op.id !== 'waitForJobs') {
        const answer = await send({ method: op.method, path, token: READ })
        results.push({ ...check(op.method, op.path, answer, 403), want: 403 })
      }
    }
    for (const r of results) {
      const expected = r.want === 'not 401' ? r.status !== 401 : r.status === r.want
      expect({ ...r, expected }).toEqual({
        ...r,
        expected: true,
        documented: r.documented === 'n/a' ? 'n/a' : true,
        violation: null,
      })
    }
    // cancelPending needs a write token even though a wait only reads.
    const wait = await send({
      method: 'POST',
      path: '/v1/jobs/wait',
      token: READ,
      body: { ids: [poolIds.job[0]], timeoutMs: 0, cancelPending: true },
    })
    expect(check('POST', '/v1/jobs/wait', wait, 403)).toMatchObject({
      status: 403,
      documented: true,
      violation: null,
    })
  })

  it('415 for a body that is not JSON and 413 for one over the limit, on every route with a body', async () => {
    await refill()
    const withBody = contract.operations().filter((op) => isNode(op.node.requestBody))
    expect(withBody.length).toBeGreaterThanOrEqual(7)
    for (const op of withBody) {
      const path = minimal(op.path)
      const text = await send({ method: op.method, path, body: { raw: 'hello', contentType: 'text/plain' } })
      expect(check(op.method, op.path, text, 415)).toEqual({
        op: `${op.method} ${op.path}`,
        status: 415,
        documented: true,
        violation: null,
      })
      const huge = await send({
        method: op.method,
        path,
        body: { raw: `"${'x'.repeat(1_100_000)}"`, contentType: 'application/json' },
      })
      expect(check(op.method, op.path, huge, 413)).toEqual({
        op: `${op.method} ${op.path}`,
        status: 413,
        documented: true,
        violation: null,
      })
    }
  })

  it('429 with Retry-After past JOBVISOR_RATE_LIMIT, on every route but the probes', async () => {
    const config = loadConfig({ JOBVISOR_DB: ':memory:', JOBVISOR_RATE_LIMIT: '1' })
    const limited = await createService(config, pino({ level: 'silent' }), { validateResponses: true })
    try {
      await limited.app.ready()
      for (const op of contract.operations()) {
        const url = op.path.replace(/\{(\w+)\}/g, 'none')
        // A budget of one request a minute: by the second request it is spent.
        const answers = []
        for (let i = 0; i < 2; i++) {
          const res = await limited.app.inject({
            method: op.method as 'GET',
            url,
            ...(op.id === 'streamEvents' ? { query: { types: 'nope' } } : {}),
          })
          answers.push({
            status: res.statusCode,
            contentType: essence(res.headers['content-type'] as string),
            headers: new Headers(res.headers as Record<string, string>),
            body: res.body,
          })
        }
        const second = answers[1] as Answer
        const probe = ['/healthz', '/readyz'].includes(op.path)
        expect({ op: op.path, limited: second.status === 429 }).toEqual({ op: op.path, limited: !probe })
        if (!probe)
          expect(check(op.method, op.path, second, 429)).toMatchObject({ documented: true, violation: null })
      }
    } finally {
      await limited.shutdown(0)
    }
  })
})

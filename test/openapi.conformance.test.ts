import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Answer, Contract } from './helpers/conformance/contract.ts'
import { type Plan, plansFor } from './helpers/conformance/requests.ts'
import { ConformanceServer } from './helpers/conformance/server.ts'

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

/**
 * Rules JSON Schema cannot state, each said in words in the document: a doc-valid request may be
 * refused for these (400 naming the field), and for no other reason.
 */
const RULES_IN_WORDS: RegExp[] = [
  /^querystring\.cursor$/, // an opaque token: only a nextCursor the API returned
  /^querystring\.lastEventId$|^headers\.last-event-id$/, // an id this stream sent (below 2^53)
  /^body(\.jobs\.\d+|\.job)?\.params\.(url|headers)$/, // a type's own refinements (an http(s) URL, header count)
  /^body(\.jobs\.\d+|\.job)?\.params\.env\.[A-Za-z_][A-Za-z0-9_]*$/, // the operator's JOBVISOR_COMMAND_ENV allow-list
  /^body\.trigger\.(expression|timezone|every|backoff\.maxMs)$/, // cron grammar, IANA zones, duration range
  /^body\.(endAt|maxRuns)$/, // a window that leaves no run (endAt before startAt or the first due)
]

let server: ConformanceServer
let contract: Contract
beforeAll(async () => {
  server = await ConformanceServer.start()
  contract = server.contract
})
afterAll(() => server?.close())

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
  `${plan.op.method} ${server.concrete(plan)}?${new URLSearchParams(plan.query)} ${JSON.stringify(plan.body)?.slice(0, 300)} → ${answer.status} ${answer.contentType} ${answer.body.slice(0, 300)}`

describe(`the OpenAPI document matches the server (seed ${SEED})`, () => {
  it('every operation, driven with valid and invalid requests generated from the document', async () => {
    const operations = contract.operations()
    expect(operations.length).toBeGreaterThan(20)
    const outcomes = new Map<string, Set<number>>()
    for (const op of operations) {
      const key = `${op.method} ${op.path}`
      outcomes.set(key, new Set())
      await server.refill()
      await fc.assert(
        fc.asyncProperty(
          plansFor(op, contract, () => server.pools.job),
          async (plan) => {
            const answer = await server.send({
              method: op.method,
              path: server.concrete(plan),
              query: plan.query,
              headers: plan.headers,
              body: plan.body,
            })
            outcomes.get(key)?.add(answer.status)
            const why = wrong(plan, answer)
            if (why) throw new Error(`${plan.kind}: ${why}\n  ${show(plan, answer)}`)
            server.learn(plan, answer)
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

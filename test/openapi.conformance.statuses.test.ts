import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { createService } from '../src/service.ts'
import { isNode } from './helpers/conformance/arbitrary.ts'
import { type Answer, type Contract, essence } from './helpers/conformance/contract.ts'
import { ConformanceServer, READ } from './helpers/conformance/server.ts'

/**
 * The statuses routes do not declare but the document adds to every operation (routes/openapi/
 * document.ts): each is sent by the server where the document says, with the documented body
 * and headers. The generated requests of openapi.conformance.test.ts cover the rest.
 */
let server: ConformanceServer
let contract: Contract
beforeAll(async () => {
  server = await ConformanceServer.start()
  contract = server.contract
})
afterAll(() => server?.close())

describe('the statuses the document adds to every operation are the server’s', () => {
  /** A request every operation accepts the shape of: its path with pool ids, a minimal valid body. */
  const minimal = (path: string) => path.replace(/\{(\w+)\}/g, () => server.poolFor(path).at(-1) ?? 'none')
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
    await server.refill()
    const results = []
    for (const op of contract.operations()) {
      const path = minimal(op.path)
      const open = Array.isArray(op.node.security) && op.node.security.length === 0
      if (op.method !== 'GET' || !open) {
        const answer = await server.send({ method: op.method, path, token: null })
        results.push({ ...check(op.method, op.path, answer, 401), want: open ? 'not 401' : 401 })
      }
      if (['POST', 'PATCH', 'DELETE'].includes(op.method) && op.id !== 'waitForJobs') {
        const answer = await server.send({ method: op.method, path, token: READ })
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
    const wait = await server.send({
      method: 'POST',
      path: '/v1/jobs/wait',
      token: READ,
      body: { ids: [server.pools.job[0]], timeoutMs: 0, cancelPending: true },
    })
    expect(check('POST', '/v1/jobs/wait', wait, 403)).toMatchObject({
      status: 403,
      documented: true,
      violation: null,
    })
  })

  it('415 for a body that is not JSON and 413 for one over the limit, on every route with a body', async () => {
    await server.refill()
    const withBody = contract.operations().filter((op) => isNode(op.node.requestBody))
    expect(withBody.length).toBeGreaterThanOrEqual(7)
    for (const op of withBody) {
      const path = minimal(op.path)
      const text = await server.send({
        method: op.method,
        path,
        body: { raw: 'hello', contentType: 'text/plain' },
      })
      expect(check(op.method, op.path, text, 415)).toEqual({
        op: `${op.method} ${op.path}`,
        status: 415,
        documented: true,
        violation: null,
      })
      const huge = await server.send({
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

import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { defineJobType, jobvisorPlugin, z } from '../src/index.ts'

const TOKEN = 'write-token-0123456789'
const hosts: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()))
})

/** What the host's own routes and handlers see, so the test can tell them from jobvisor's. */
interface HostSeen {
  requestIds: string[]
  cleanups: string[]
}

/**
 * A host app with its own JSON route, error format, 404 handler and request ids, and jobvisor
 * mounted under /jobvisor with auth on and a type of its own.
 */
async function hostApp(): Promise<{ host: FastifyInstance; seen: HostSeen }> {
  const seen: HostSeen = { requestIds: [], cleanups: [] }
  let next = 0
  const host = Fastify({ genReqId: () => `host-${++next}` })
  hosts.push(host)
  host.setErrorHandler((err: Error, _req, reply) => reply.code(500).send({ hostError: err.message }))
  host.setNotFoundHandler((_req, reply) => reply.code(404).send({ hostNotFound: true }))
  host.post('/echo', async (req) => {
    seen.requestIds.push(req.id)
    return { echoed: req.body }
  })
  host.get('/fails', async () => {
    throw new Error('host route failed')
  })
  await host.register(jobvisorPlugin, {
    prefix: '/jobvisor',
    logger: pino({ level: 'silent' }),
    env: { JOBVISOR_DB: ':memory:', JOBVISOR_TOKENS: `${TOKEN}:write`, JOBVISOR_SHUTDOWN_GRACE_MS: '2000' },
    types: [
      defineJobType({
        name: 'host.wait',
        description: 'Sleeps until stopped',
        params: z.object({ ms: z.number().int() }),
        async run({ ms }, ctx) {
          try {
            await ctx.sleep(ms)
          } catch (err) {
            seen.cleanups.push((err as Error).name)
            throw err
          }
          return { slept: ms }
        },
      }),
    ],
  })
  await host.ready()
  return { host, seen }
}

const auth = { authorization: `Bearer ${TOKEN}` }

describe('jobvisorPlugin: the API mounted in a host app (SPEC §9)', { timeout: 20_000 }, () => {
  it('leaves the host its own parsers, auth-free routes, request ids, error format and 404s', async () => {
    const { host, seen } = await hostApp()
    // jobvisor drops the text/plain parser and bounds JSON depth in its own scope only.
    const text = await host.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    })
    expect(text.json()).toEqual({ echoed: 'hi' })
    const deep = '['.repeat(150) + ']'.repeat(150)
    const json = await host.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: deep,
    })
    expect(json.statusCode).toBe(200)
    expect(seen.requestIds).toEqual(['host-1', 'host-2'])
    const failed = await host.inject({ method: 'GET', url: '/fails' })
    expect([failed.statusCode, failed.json()]).toEqual([500, { hostError: 'host route failed' }])
    const missing = await host.inject({ method: 'GET', url: '/nowhere' })
    expect([missing.statusCode, missing.json()]).toEqual([404, { hostNotFound: true }])
  })

  it('serves the API under the prefix with its own auth, problem+json errors, 404s and Location', async () => {
    const { host } = await hostApp()
    expect((await host.inject({ method: 'GET', url: '/jobvisor/healthz' })).statusCode).toBe(200)
    expect((await host.inject({ method: 'GET', url: '/jobvisor/readyz' })).statusCode).toBe(200)
    expect((await host.inject({ method: 'GET', url: '/jobvisor/v1/jobs' })).statusCode).toBe(401)

    const types = await host.inject({ method: 'GET', url: '/jobvisor/v1/job-types', headers: auth })
    expect(types.json().items.map((t: { name: string }) => t.name)).toContain('host.wait')

    const bad = await host.inject({
      method: 'POST',
      url: '/jobvisor/v1/jobs',
      headers: { ...auth, 'content-type': 'text/plain' },
      payload: 'hi',
    })
    expect(bad.statusCode).toBe(415)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    const invalid = await host.inject({
      method: 'POST',
      url: '/jobvisor/v1/jobs',
      headers: auth,
      payload: { type: 'host.wait', params: { ms: 'soon' } },
    })
    expect([invalid.statusCode, invalid.json().errors[0].path]).toEqual([400, 'body.params.ms'])
    const notFound = await host.inject({ method: 'GET', url: '/jobvisor/v1/nothing', headers: auth })
    expect([notFound.statusCode, notFound.headers['content-type']]).toEqual([404, 'application/problem+json'])

    const created = await host.inject({
      method: 'POST',
      url: '/jobvisor/v1/jobs',
      headers: auth,
      payload: { type: 'noop' },
    })
    expect(created.statusCode).toBe(201)
    expect(created.headers.location).toBe(`/jobvisor/v1/jobs/${created.json().id}`)
    const waited = await host.inject({
      method: 'POST',
      url: '/jobvisor/v1/jobs/wait',
      headers: auth,
      payload: { ids: [created.json().id], timeoutMs: 5000 },
    })
    expect(waited.json().done[0].state).toBe('succeeded')
    const doc = await host.inject({ method: 'GET', url: '/jobvisor/openapi.json' })
    expect(Object.keys(doc.json().paths)).toContain('/jobvisor/v1/jobs')
  })

  it('starts with the host (onReady) and drains its running jobs when the host closes (onClose)', async () => {
    const { host, seen } = await hostApp()
    const created = await host.inject({
      method: 'POST',
      url: '/jobvisor/v1/jobs',
      headers: auth,
      payload: { type: 'host.wait', params: { ms: 60_000 } },
    })
    expect(created.statusCode).toBe(201)
    await host.close()
    hosts.splice(hosts.indexOf(host), 1)
    expect(seen.cleanups).toEqual(['ShutdownError'])
  })

  it('refuses a prefix that would put its 404 handler over the host’s whole app', async () => {
    const host = Fastify()
    hosts.push(host)
    await expect(host.register(jobvisorPlugin, { prefix: '/' })).rejects.toThrow(
      /jobvisorPlugin: invalid options: prefix/,
    )
  })
})

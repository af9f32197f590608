import * as crypto from 'node:crypto'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { type AuthOptions, installAuth } from '../../src/routes/auth.ts'
import { notFoundHandler, problemHandler } from '../../src/routes/problem.ts'
import { createService } from '../../src/service.ts'

// Pass-through spy: lets a test count comparisons without changing what they return.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>()
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) }
})

const READ = 'readtoken-0123456789abcdef'
const WRITE = 'writetoken-0123456789abcdef'
const tokens: AuthOptions['tokens'] = [
  { token: READ, role: 'read' },
  { token: WRITE, role: 'write' },
]
const fingerprint = (token: string) => crypto.createHash('sha256').update(token).digest('hex').slice(0, 12)

/** A bare app with only the auth hook, a route that echoes what the hook attached, and /metrics. */
async function bareApp(options: AuthOptions = { tokens, enabled: true, metricsNeedAuth: false }) {
  const app = Fastify()
  app.setErrorHandler(problemHandler)
  app.setNotFoundHandler(notFoundHandler)
  installAuth(app, options)
  app.route({
    method: ['GET', 'POST'],
    url: '/v1/whoami',
    handler: async (req) => ({ principal: req.principal }),
  })
  app.get('/metrics', async () => 'jobvisor_up 1\n')
  await app.ready()
  onTestFinished(() => app.close())
  return app
}

const whoami = (
  app: Awaited<ReturnType<typeof bareApp>>,
  authorization?: string,
  method: 'GET' | 'POST' = 'GET',
) => app.inject({ method, url: '/v1/whoami', headers: authorization === undefined ? {} : { authorization } })

describe('bearer auth hook', () => {
  it('attaches the role and a fingerprint of the token, never the token itself', async () => {
    const app = await bareApp()
    const read = await whoami(app, `Bearer ${READ}`)
    expect(read.json()).toEqual({ principal: { role: 'read', fingerprint: fingerprint(READ) } })
    const write = await whoami(app, `Bearer ${WRITE}`, 'POST')
    expect(write.json()).toEqual({ principal: { role: 'write', fingerprint: fingerprint(WRITE) } })
    expect(write.body).not.toContain(WRITE)
  })

  it('accepts the scheme name in any case (RFC 7235) and rejects malformed headers with 401', async () => {
    const app = await bareApp()
    expect((await whoami(app, `bearer ${WRITE}`)).statusCode).toBe(200)
    for (const header of ['', 'Bearer', 'Bearer ', `Basic ${WRITE}`, `Bearer ${WRITE} extra`, WRITE]) {
      const res = await whoami(app, header)
      expect({ header, status: res.statusCode }).toEqual({ header, status: 401 })
      expect(res.headers['www-authenticate']).toBe('Bearer realm="jobvisor"')
    }
    const wrong = await whoami(app, `Bearer ${WRITE}x`)
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="jobvisor", error="invalid_token"')
  })

  it('compares the presented token with every configured token, even after a match', async () => {
    const app = await bareApp()
    const compare = vi.mocked(crypto.timingSafeEqual)
    compare.mockClear()
    expect((await whoami(app, `Bearer ${READ}`)).statusCode).toBe(200) // READ is the first entry
    expect(compare).toHaveBeenCalledTimes(tokens.length)
  })

  it('/metrics is open by default and needs a read token with metricsNeedAuth', async () => {
    const open = await bareApp()
    expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200)
    const guarded = await bareApp({ tokens, enabled: true, metricsNeedAuth: true })
    expect((await guarded.inject({ url: '/metrics' })).statusCode).toBe(401)
    const headers = { authorization: `Bearer ${READ}` }
    expect((await guarded.inject({ url: '/metrics', headers })).statusCode).toBe(200)
  })

  it('is off without tokens and when disabled; principal stays null', async () => {
    for (const options of [
      { tokens: [], enabled: true, metricsNeedAuth: false },
      { tokens, enabled: false, metricsNeedAuth: false },
    ]) {
      const res = await whoami(await bareApp(options), undefined, 'POST')
      expect(res.json()).toEqual({ principal: null })
    }
  })
})

describe('secrets stay out of the logs (QUALITY S5)', () => {
  it('no log line of an accepted or a rejected request contains the token', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const logger = createLogger({ level: 'trace' }, sink)
    const config = loadConfig({ JOBVISOR_DB: ':memory:', JOBVISOR_TOKENS: `${READ}:read,${WRITE}:write` })
    const service = await createService(config, logger)
    onTestFinished(() => service.shutdown(0))
    await service.app.ready()

    const headers = (token: string) => ({ authorization: `Bearer ${token}` })
    expect((await service.app.inject({ url: '/v1/jobs', headers: headers(READ) })).statusCode).toBe(200)
    const rejected = 'not-a-configured-token-0123456789'
    expect((await service.app.inject({ url: '/v1/jobs', headers: headers(rejected) })).statusCode).toBe(401)
    const forbidden = await service.app.inject({
      method: 'DELETE',
      url: '/v1/jobs/x',
      headers: headers(READ),
    })
    expect(forbidden.statusCode).toBe(403)
    // Whatever logs a request's headers later must get them redacted, too.
    logger.info({ req: { headers: headers(WRITE) }, headers: headers(WRITE) }, 'headers logged on purpose')

    const log = lines.join('')
    // The capture works: request lines are there, so the absence below means something.
    expect(log).toContain('"statusCode":401')
    expect(log).toContain('[redacted]')
    for (const secret of [READ, WRITE, rejected]) expect(log).not.toContain(secret)
  })

  it('a read token may wait, but not with cancelPending', async () => {
    const config = loadConfig({ JOBVISOR_DB: ':memory:', JOBVISOR_TOKENS: `${READ}:read,${WRITE}:write` })
    const service = await createService(config, createLogger({ level: 'silent' }))
    onTestFinished(() => service.shutdown(0))
    const headers = (token: string) => ({ authorization: `Bearer ${token}` })
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: headers(WRITE),
      payload: { type: 'sleep', params: { ms: 60_000 } },
    })
    const ids = [created.json().id]
    const wait = (token: string, cancelPending: boolean) =>
      service.app.inject({
        method: 'POST',
        url: '/v1/jobs/wait',
        headers: headers(token),
        payload: { ids, timeoutMs: 0, cancelPending },
      })
    expect((await wait(READ, false)).statusCode).toBe(200)
    expect((await wait(READ, true)).statusCode).toBe(403)
    expect((await wait(WRITE, true)).json().pending[0].state).toMatch(/^cancell/)
  })
})

describe('per-token rate limit (JOBVISOR_RATE_LIMIT)', () => {
  it('gives each token its own budget, answers 429 problem+json with Retry-After, never limits probes', async () => {
    const config = loadConfig({
      JOBVISOR_DB: ':memory:',
      JOBVISOR_TOKENS: `${READ}:read,${WRITE}:write`,
      JOBVISOR_RATE_LIMIT: '3',
    })
    const service = await createService(config, createLogger({ level: 'silent' }))
    onTestFinished(() => service.shutdown(0))
    const get = (token: string) =>
      service.app.inject({ url: '/v1/jobs', headers: { authorization: `Bearer ${token}` } })
    for (let i = 0; i < 3; i++) expect((await get(READ)).statusCode).toBe(200)
    const limited = await get(READ)
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect((await get(WRITE)).statusCode).toBe(200)
    for (let i = 0; i < 5; i++) expect((await service.app.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})

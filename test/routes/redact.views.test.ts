import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineJobType } from '../../src/jobs/define.ts'
import { createLogger } from '../../src/logger.ts'
import { buildTestApp } from '../helpers/app.ts'
import { listen, SseClient } from '../helpers/sse-client.ts'

/** Every secret below matches this, so one search proves none of them left the service. */
const SECRET = /sekrit-\d+/
const WRITE = 'sekrit-90-write-token'
const READ = 'sekrit-91-read-token'

/** SPEC §8's shapes: credential headers, credential query parameters, command env values. */
const HEADERS = {
  Authorization: 'Bearer sekrit-01',
  'Private-Token': 'sekrit-02',
  'Api-Key': 'sekrit-03',
  'X-Access-Token': 'sekrit-04',
  'X-Goog-Api-Key': 'sekrit-05',
  'X-Amz-Security-Token': 'sekrit-06',
  Cookie: 'session=sekrit-07',
  'x-trace': 'visible',
}
const URL_WITH_SECRETS =
  'https://api.example.invalid/v1?api_key=sekrit-08&access_token=sekrit-09&password=sekrit-10&page=2'
const HTTP_PARAMS = { url: URL_WITH_SECRETS, headers: HEADERS }
const COMMAND_PARAMS = { command: 'backup', env: { AWS_SECRET_ACCESS_KEY: 'sekrit-11', BUCKET: 'sekrit-12' } }
/** A custom type's params with headers nested in a list. */
const NESTED_PARAMS = {
  steps: [{ request: { url: 'https://h.example/?token=sekrit-13', headers: { 'X-Api-Key': 'sekrit-14' } } }],
  fail: true,
}

const Leaky = z.object({
  steps: z.array(
    z.object({ request: z.object({ url: z.string(), headers: z.record(z.string(), z.string()) }) }),
  ),
  fail: z.boolean(),
})

describe('secrets never leave the service in clear (SPEC §8, QUALITY S5)', () => {
  it('walks every view, the event stream, job logs, errors and the request log', async () => {
    const lines: string[] = []
    const capture = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const t = await buildTestApp(
      {
        JOBVISOR_TOKENS: `${WRITE}:write,${READ}:read`,
        JOBVISOR_COMMAND_ENV: 'AWS_SECRET_ACCESS_KEY,BUCKET,TOKEN',
      },
      { logger: createLogger({ level: 'debug' }, capture) },
    )
    const handlerSaw: unknown[] = []
    // Leaks on purpose: logs its secrets (fields, text, progress) and fails with one in the message.
    t.registry.register(
      defineJobType({
        name: 'leaky',
        description: 'Logs and reports its own secrets',
        params: Leaky,
        async run({ steps, fail }, ctx) {
          const request = steps[0]?.request
          handlerSaw.push(request?.headers)
          ctx.log.info({ headers: request?.headers, url: request?.url, token: 'sekrit-15' }, 'calling')
          ctx.log.info(`GET ${request?.url} with Authorization: Bearer sekrit-16abcdef`)
          ctx.progress(50, `fetching ${request?.url}`)
          if (fail) throw new Error(`GET ${request?.url} failed`)
          return { headers: { 'set-cookie': 'sid=sekrit-17', 'x-request-id': 'r1' }, next: request?.url }
        },
      }),
    )
    const seen: string[] = []
    const auth = (token = WRITE) => ({ authorization: `Bearer ${token}` })
    const call = async (method: 'get' | 'post' | 'patch', path: string, body?: object, token = WRITE) => {
      const res = await t.request[method](path).set(auth(token)).send(body)
      seen.push(res.text)
      return res
    }

    const base = await listen(t.app)
    const sse = await SseClient.open(base, '/v1/events', auth(READ))
    await sse.until((c) => c.frames.some((f) => f.id !== undefined))

    // Jobs: create replies, one that fails, one that succeeds with secret result headers, a batch.
    const http = (await call('post', '/v1/jobs', { type: 'http', params: HTTP_PARAMS, delayMs: 3_600_000 }))
      .body
    const command = (
      await call('post', '/v1/jobs', { type: 'command', params: COMMAND_PARAMS, delayMs: 3_600_000 })
    ).body
    const failing = (await call('post', '/v1/jobs', { type: 'leaky', params: NESTED_PARAMS })).body
    const succeeding = (
      await call('post', '/v1/jobs', { type: 'leaky', params: { ...NESTED_PARAMS, fail: false } })
    ).body
    await call('post', '/v1/jobs/batch', {
      jobs: [{ type: 'http', params: HTTP_PARAMS, delayMs: 3_600_000 }],
    })
    const ids = [http.id, command.id, failing.id, succeeding.id]
    const waited = await call('post', '/v1/jobs/wait', {
      ids: [failing.id, succeeding.id],
      timeoutMs: 10_000,
    })
    expect(waited.body.done.map((j: { state: string }) => j.state).sort()).toEqual(['failed', 'succeeded'])
    await call('post', '/v1/jobs/wait', { ids, timeoutMs: 0 })
    for (const id of ids) await call('get', `/v1/jobs/${id}`, undefined, READ)
    await call('get', '/v1/jobs?limit=500', undefined, READ)
    for (const id of [failing.id, succeeding.id]) {
      const logs = await call('get', `/v1/jobs/${id}/logs`, undefined, READ)
      expect(logs.body.items.length).toBeGreaterThanOrEqual(2)
    }
    expect((await call('post', `/v1/jobs/${http.id}/cancel`, {})).status).toBe(200)
    const conflict = await call('post', `/v1/jobs/${http.id}/cancel`, {})
    expect(conflict.status).toBe(409)
    expect(conflict.body.job.params.headers.Authorization).toBe('[redacted]')

    // Schedules: create, get, list, patch, pause, and a trigger of a template that leaks.
    const template = { type: 'http', params: HTTP_PARAMS }
    const created = await call('post', '/v1/schedules', {
      name: 's',
      trigger: { type: 'interval', every: '1h' },
      job: template,
    })
    expect(created.status).toBe(201)
    const id = created.body.id
    await call('get', `/v1/schedules/${id}`, undefined, READ)
    await call('get', '/v1/schedules', undefined, READ)
    const patched = await call('patch', `/v1/schedules/${id}`, {
      job: { type: 'command', params: { ...COMMAND_PARAMS, env: { TOKEN: 'sekrit-18' } } },
    })
    expect(patched.body.job.params.env).toEqual({ TOKEN: '[redacted]' })
    await call('post', `/v1/schedules/${id}/pause`)
    const leakySchedule = await call('post', '/v1/schedules', {
      name: 'l',
      trigger: { type: 'interval', every: '1h' },
      job: { type: 'leaky', params: NESTED_PARAMS },
    })
    const fired = await call('post', `/v1/schedules/${leakySchedule.body.id}/trigger`)
    expect(fired.status).toBe(201)
    await call('post', '/v1/jobs/wait', { ids: [fired.body.job.id], timeoutMs: 10_000 })

    // The request log: credentials in URLs of refused and accepted requests.
    expect((await t.request.get('/v1/jobs?access_token=sekrit-19')).status).toBe(401)
    expect((await t.request.post('/v1/jobs?password=sekrit-20').set(auth(READ)).send({})).status).toBe(403)
    expect((await t.request.get('/v1/jobs?api_key=sekrit-21').set(auth(READ))).status).toBe(200)

    await sse.until((c) =>
      ['job:finished', 'schedule:created', 'schedule:updated', 'schedule:paused', 'schedule:fired'].every(
        (type) => c.events.some((e) => e.event === type),
      ),
    )
    sse.close()

    // The handler itself got its secrets: only what leaves the service is redacted.
    expect(handlerSaw).toContainEqual({ 'X-Api-Key': 'sekrit-14' })
    const failed = waited.body.done.find((j: { id: string }) => j.id === failing.id)
    expect(failed.error.message).toBe('GET https://h.example/?token=[redacted] failed')
    const ok = waited.body.done.find((j: { id: string }) => j.id === succeeding.id)
    expect(ok.result).toEqual({
      headers: { 'set-cookie': '[redacted]', 'x-request-id': 'r1' },
      next: 'https://h.example/?token=[redacted]',
    })
    expect(http.params).toMatchObject({
      url: 'https://api.example.invalid/v1?api_key=[redacted]&access_token=[redacted]&password=[redacted]&page=2',
      headers: {
        ...Object.fromEntries(Object.keys(HEADERS).map((h) => [h, '[redacted]'])),
        'x-trace': 'visible',
      },
    })
    expect(command.params.env).toEqual({ AWS_SECRET_ACCESS_KEY: '[redacted]', BUCKET: '[redacted]' })
    expect(created.body.job.params.headers.Authorization).toBe('[redacted]')
    const log = lines.join('')
    // The capture works: the request lines are there, so the absences below mean something.
    expect(log).toContain('access_token=[redacted]')
    expect(log).toContain('"statusCode":401')
    for (const [what, text] of [
      ['responses', seen.join('\n')],
      ['event stream', sse.body],
      ['service log', log],
    ] as const) {
      expect(text, what).toContain('[redacted]')
      expect(text.match(SECRET)?.[0], `${what} shows a secret`).toBeUndefined()
    }
  })
})

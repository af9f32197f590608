import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { postHead, RawClient } from '../helpers/raw-socket.ts'
import { listen, SseClient } from '../helpers/sse-client.ts'
import { waitFor } from '../helpers/wait-for.ts'

const WRITE = 'slow-clients-write-token'
const READ = 'slow-clients-read-token'
const MB = 1024 * 1024

const clients: RawClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})

async function rawClient(t: TestApp): Promise<RawClient> {
  if (!t.app.server.listening) await listen(t.app)
  const client = await RawClient.open((t.app.server.address() as AddressInfo).port)
  clients.push(client)
  return client
}

const expectProblem = (client: RawClient, status: number) => {
  expect(client.status).toBe(status)
  expect(client.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(client.json).toMatchObject({ status })
}

describe('slow clients (SPEC §8: JOBVISOR_REQUEST_TIMEOUT_MS)', () => {
  it('cuts a POST that announces 1 MB and trickles it, with a 408 problem', async () => {
    const t = await buildTestApp({ JOBVISOR_REQUEST_TIMEOUT_MS: '300' })
    const client = await rawClient(t)
    client.send(postHead('/v1/jobs', MB))
    client.send('{"type":')
    client.trickle(20, ' ')
    await client.untilClosed()
    expectProblem(client, 408)
    expect(client.json.detail).toContain('JOBVISOR_REQUEST_TIMEOUT_MS')
  })

  it('cuts a request whose headers trickle in', async () => {
    const t = await buildTestApp({ JOBVISOR_REQUEST_TIMEOUT_MS: '300' })
    const client = await rawClient(t)
    client.send('GET /v1/jobs HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
    client.trickle(20, 'a')
    await client.untilClosed()
    expectProblem(client, 408)
  })

  it('never cuts a long-poll wait or an event stream once the request has arrived', async () => {
    const t = await buildTestApp({ JOBVISOR_REQUEST_TIMEOUT_MS: '300' })
    const base = await listen(t.app)
    const job = (await t.request.post('/v1/jobs').send({ type: 'blocking' }).expect(201)).body
    const stream = await SseClient.open(base, '/v1/events')
    const wait = t.request.post('/v1/jobs/wait').send({ ids: [job.id], timeoutMs: 60_000 })
    const waited = wait.then((res) => res)
    await waitFor(() => t.engine.watchedJobCount === 1)
    // A request started after both is cut: the timeout has certainly passed for them too.
    const slow = await rawClient(t)
    slow.send(postHead('/v1/jobs', MB))
    slow.trickle(20, ' ')
    await slow.untilClosed()
    expect(slow.status).toBe(408)
    await t.request.post(`/v1/jobs/${job.id}/cancel`).send({}).expect(202)
    const res = await waited
    expect(res.status).toBe(200)
    expect(res.body.done).toMatchObject([{ id: job.id, state: 'cancelled' }])
    await stream.until((c) => c.events.some((e) => e.event === 'job:finished'))
    expect(stream.ended).toBe(false)
    stream.close()
  })
})

describe('refused requests close their connection (SPEC §8)', () => {
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` })
  it.each([
    ['401 without a token', {}, 401],
    ['401 with a wrong token', auth('not-a-valid-token-at-all'), 401],
    ['403 with a read token', auth(READ), 403],
  ])(
    '%s: answered at once, then the socket is closed without reading the body',
    async (_name, headers, status) => {
      // The default timeout (30 s) is far away: only the refusal can close this socket in time.
      const t = await buildTestApp({ JOBVISOR_TOKENS: `${WRITE}:write,${READ}:read` })
      const client = await rawClient(t)
      client.send(postHead('/v1/jobs', MB, headers))
      client.trickle(20, ' ')
      await client.untilClosed()
      expectProblem(client, status)
      expect(client.headers.connection).toBe('close')
    },
  )

  it('413 for a body announced over the limit', async () => {
    const t = await buildTestApp({ JOBVISOR_TOKENS: `${WRITE}:write` })
    const client = await rawClient(t)
    client.send(postHead('/v1/jobs', 2 * MB, auth(WRITE)))
    client.trickle(20, ' ')
    await client.untilClosed()
    expectProblem(client, 413)
    expect(client.headers.connection).toBe('close')
  })

  it('keeps the connection of an accepted request alive', async () => {
    const t = await buildTestApp({ JOBVISOR_TOKENS: `${WRITE}:write` })
    const client = await rawClient(t)
    const body = '{"type":"noop"}'
    client.send(postHead('/v1/jobs', body.length, auth(WRITE)) + body)
    await waitFor(() => client.status !== undefined && client.received.includes('"noop"'))
    expect(client.status).toBe(201)
    expect(client.headers.connection).toBe('keep-alive')
    expect(client.closed).toBe(false)
  })
})

describe('answers Node writes itself are problem+json (SPEC §5)', () => {
  it.each([
    [
      'oversized headers → 431',
      `GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers',
    ],
    ['an unknown method → 400', 'FROB /v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'method'],
    [
      'a control character in a header → 400',
      'GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n',
      400,
      'headers',
    ],
    [
      'a control character in a header name → 400',
      'GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX\x7fA: b\r\n\r\n',
      400,
      'headers',
    ],
    ['garbage → 400', 'hello\r\n\r\n', 400, 'method'],
  ])('%s', async (_name, raw, status, path) => {
    const t = await buildTestApp()
    const client = await rawClient(t)
    client.send(raw)
    await client.untilClosed()
    expectProblem(client, status)
    expect(client.json).toMatchObject({ type: 'about:blank', errors: [{ path }] })
    expect(client.headers.connection).toBe('close')
  })
})

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { CancelledError, JobFailedError } from '../../../src/jobs/errors.ts'
import { createFakeContext, failure, waitFor } from '../../helpers/fake-context.ts'
import { fakeDns, runHttp, useTestServer } from './http-fixture.ts'

const server = useTestServer()

describe('http run (private targets allowed)', () => {
  it('returns status, flattened headers and the body as text', async () => {
    const result = await runHttp({ url: `${server.base}/hello` })
    expect(result).toMatchObject({ status: 200, body: '{"ok":true}', truncated: false })
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'yes' })
    expect(result.headers['set-cookie']).toBe('[redacted]')
  })

  it('truncates the body at maxBodyBytes and reports it', async () => {
    const result = await runHttp({ url: `${server.base}/big` }, { maxBodyBytes: 1000 })
    expect(result.body).toBe('a'.repeat(1000))
    expect(result.truncated).toBe(true)
    expect(await runHttp({ url: `${server.base}/exact` }, { maxBodyBytes: 1000 })).toMatchObject({
      truncated: false,
    })
    expect((await runHttp({ url: `${server.base}/big` })).body).toHaveLength(64 * 1024)
  })

  it('never cuts a UTF-8 character in half', async () => {
    expect(await runHttp({ url: `${server.base}/utf8` }, { maxBodyBytes: 5 })).toMatchObject({
      body: 'éé',
      truncated: true,
    })
  })

  it('sends a JSON body as application/json and a string as text/plain', async () => {
    const json = await runHttp({ url: `${server.base}/echo`, method: 'POST', body: { a: 1 } })
    expect(JSON.parse(json.body)).toMatchObject({
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    })
    const text = await runHttp({
      url: `${server.base}/echo`,
      method: 'PUT',
      body: 'hi',
      headers: { 'Content-Type': 'x/y' },
    })
    expect(JSON.parse(text.body)).toMatchObject({
      method: 'PUT',
      body: 'hi',
      headers: { 'content-type': 'x/y' },
    })
  })

  it('returns an empty body for HEAD', async () => {
    expect(await runHttp({ url: `${server.base}/hello`, method: 'HEAD' })).toMatchObject({
      status: 200,
      body: '',
    })
  })

  it('fails a 4xx or 5xx by default with unexpected_status naming the status', async () => {
    for (const status of [404, 503]) {
      const err = await failure(runHttp({ url: `${server.base}/status/${status}` }))
      expect(err).toBeInstanceOf(JobFailedError)
      expect(err).toMatchObject({ code: 'unexpected_status' })
      expect((err as Error).message).toContain(String(status))
    }
  })

  it('checks expectStatus exactly when given', async () => {
    expect(await runHttp({ url: `${server.base}/status/404`, expectStatus: 404 })).toMatchObject({
      status: 404,
    })
    const err = await failure(runHttp({ url: `${server.base}/hello`, expectStatus: 201 }))
    expect(err).toMatchObject({ code: 'unexpected_status' })
    expect((err as Error).message).toMatch(/200.*201/)
  })

  it('follows up to 5 redirects and refuses the sixth', async () => {
    expect(await runHttp({ url: `${server.base}/redirect/5` })).toMatchObject({
      status: 200,
      body: 'arrived',
    })
    expect(await failure(runHttp({ url: `${server.base}/redirect/6` }))).toMatchObject({
      code: 'too_many_redirects',
    })
    expect(await failure(runHttp({ url: `${server.base}/loop` }))).toMatchObject({
      code: 'too_many_redirects',
    })
  })

  it('returns the redirect itself when followRedirects is false', async () => {
    const result = await runHttp({ url: `${server.base}/redirect/1`, followRedirects: false })
    expect(result).toMatchObject({ status: 302, headers: { location: '/redirect/0' } })
  })

  it('turns POST into a bodiless GET on 303 and replays it on 307', async () => {
    const to = (status: number) => `${server.base}/to?status=${status}&url=/echo`
    const after303 = JSON.parse((await runHttp({ url: to(303), method: 'POST', body: { a: 1 } })).body)
    expect(after303).toMatchObject({ method: 'GET', body: '' })
    expect(after303.headers['content-type']).toBeUndefined()
    const after307 = JSON.parse((await runHttp({ url: to(307), method: 'POST', body: { a: 1 } })).body)
    expect(after307).toMatchObject({ method: 'POST', body: '{"a":1}' })
  })

  it('drops credentials on a cross-origin redirect and keeps them on the same origin', async () => {
    const resolve = fakeDns({ 'other.test': '127.0.0.1' })
    const headers = { Authorization: 'Bearer t', 'X-Trace': '1' }
    const cross = `${server.base}/to?url=${encodeURIComponent(`http://other.test:${server.port}/echo`)}`
    const echoed = JSON.parse((await runHttp({ url: cross, headers }, { resolve })).body)
    expect(echoed.headers.authorization).toBeUndefined()
    expect(echoed.headers['x-trace']).toBe('1')
    const same = JSON.parse((await runHttp({ url: `${server.base}/to?url=/echo`, headers })).body)
    expect(same.headers.authorization).toBe('Bearer t')
  })

  it('refuses a redirect to a non-http scheme', async () => {
    const err = await failure(
      runHttp({ url: `${server.base}/to?url=${encodeURIComponent('file:///etc/passwd')}` }),
    )
    expect(err).toMatchObject({ code: 'target_not_allowed' })
  })

  it('reports a connection failure as request_failed', async () => {
    const closedServer = createServer()
    await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve))
    const { port: freePort } = closedServer.address() as AddressInfo
    await new Promise((resolve) => closedServer.close(resolve))
    expect(await failure(runHttp({ url: `http://127.0.0.1:${freePort}/` }))).toMatchObject({
      code: 'request_failed',
    })
  })

  it('logs method, url without query and status, never header values', async () => {
    const fake = createFakeContext()
    await runHttp(
      { url: `${server.base}/hello?api_key=s3cr3t`, headers: { Authorization: 'Bearer tok3n' } },
      {},
      fake,
    )
    expect(fake.lines).toContainEqual({
      level: 'info',
      fields: { method: 'GET', url: `${server.base}/hello`, status: 200, redirects: 0 },
      msg: 'http request done',
    })
    expect(JSON.stringify(fake.lines)).not.toMatch(/s3cr3t|tok3n/)
  })

  // /hang aborts while waiting for the response head, /trickle while reading the body.
  it.each([
    ['/hang', 1],
    ['/trickle', 2],
  ])("rejects with the signal's reason when aborted during %s", async (path, phase) => {
    const fake = createFakeContext()
    const { signal } = fake.ctx
    let listenersAdded = 0
    const add = signal.addEventListener.bind(signal)
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listenersAdded++
      add(...args)
    }) as typeof add
    const reason = new CancelledError('job-test', 'test')
    const running = failure(runHttp({ url: `${server.base}${path}` }, {}, fake))
    await waitFor(() => server.seen.includes(path) && listenersAdded === phase, {
      what: `request to ${path}`,
    })
    fake.abort(reason)
    expect(await running).toBe(reason)
    await waitFor(() => server.closed.includes(path), { what: 'server side close' }) // the socket was destroyed
  })

  it('does not start when the signal is already aborted', async () => {
    const fake = createFakeContext()
    const reason = new CancelledError('job-test')
    fake.abort(reason)
    const before = server.seen.length
    expect(await failure(runHttp({ url: `${server.base}/hello` }, {}, fake))).toBe(reason)
    expect(server.seen.length).toBe(before)
  })
})

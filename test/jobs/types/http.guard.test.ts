import { describe, expect, it } from 'vitest'
import { JobFailedError } from '../../../src/jobs/errors.ts'
import type { HttpTypeOptions } from '../../../src/jobs/types/http.ts'
import { isPrivateAddress } from '../../../src/jobs/types/net-guard.ts'
import { failure } from '../../helpers/fake-context.ts'
import { fakeDns, runHttp, useTestServer } from './http-fixture.ts'

const server = useTestServer()

describe('http run (private targets refused)', () => {
  it.each([
    ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/hello`],
    ['localhost', (p: number) => `http://localhost:${p}/hello`],
    ['[::1]', (p: number) => `http://[::1]:${p}/hello`],
    ['decimal 127.0.0.1', (p: number) => `http://2130706433:${p}/hello`],
    ['mapped 127.0.0.1', (p: number) => `http://[::ffff:127.0.0.1]:${p}/hello`],
    ['translated 127.0.0.1', (p: number) => `http://[::ffff:0:7f00:1]:${p}/hello`],
    ['metadata', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses %s before sending anything', async (_name, url) => {
    const before = server.seen.length
    const err = await failure(runHttp({ url: url(server.port) }, { allowPrivate: false }))
    expect(err).toBeInstanceOf(JobFailedError)
    expect(err).toMatchObject({ code: 'target_not_allowed' })
    expect(server.seen.length).toBe(before)
  })

  describe('with the test server standing in for a public host', () => {
    // DNS is faked and 127.0.0.1 alone counts as public, so every redirect hop exercises the real guard.
    const options: Partial<HttpTypeOptions> = {
      allowPrivate: false,
      resolve: fakeDns({ 'public.test': '127.0.0.1', 'internal.test': '10.0.0.7' }),
      isPrivate: (ip) => ip !== '127.0.0.1' && isPrivateAddress(ip),
    }
    const via = (target: string) => `http://public.test:${server.port}/to?url=${encodeURIComponent(target)}`

    it('reaches the public host', async () => {
      expect(await runHttp({ url: `http://public.test:${server.port}/hello` }, options)).toMatchObject({
        status: 200,
      })
    })

    it.each([
      ['a hostname resolving to a private address', 'http://internal.test/'],
      ['a private IP literal', 'http://169.254.169.254/latest/meta-data/'],
      ['a loopback alias', 'http://127.0.0.2:1/'],
      ['an IPv6 loopback', 'http://[::1]:1/'],
    ])('re-checks a redirect to %s', async (_name, target) => {
      const hopsBefore = server.seen.filter((p) => p === '/to').length
      const err = await failure(runHttp({ url: via(target) }, options))
      expect(err).toMatchObject({ code: 'target_not_allowed' })
      expect(server.seen.filter((p) => p === '/to')).toHaveLength(hopsBefore + 1) // the first hop was allowed
    })

    it('fails a name that does not resolve exactly as one that resolves privately (no DNS oracle)', async () => {
      const shown = async (host: string) => {
        const err = (await failure(runHttp({ url: `http://${host}/` }, options))) as JobFailedError
        return { code: err.code, message: err.message.replace(host, 'HOST') }
      }
      const internal = await shown('internal.test')
      expect(internal.code).toBe('target_not_allowed')
      expect(await shown('missing.test')).toEqual(internal)
    })

    it('refuses a first hop whose name resolves privately', async () => {
      expect(await failure(runHttp({ url: 'http://internal.test/' }, options))).toMatchObject({
        code: 'target_not_allowed',
      })
    })
  })
})

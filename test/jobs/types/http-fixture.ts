import type { LookupAddress } from 'node:dns'
import { getEventListeners } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect } from 'vitest'
import { createHttpType, type HttpTypeOptions } from '../../../src/jobs/types/http.ts'
import type { Resolver } from '../../../src/jobs/types/net-guard.ts'
import { createFakeContext, type FakeContext } from '../../helpers/fake-context.ts'

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

/** A local HTTP server on 127.0.0.1, started for the calling test file, plus what it saw. */
export interface TestServer {
  readonly base: string
  readonly port: number
  /** Paths of the requests it received, in order. */
  readonly seen: string[]
  /** Paths of held-open requests whose connection the client closed. */
  readonly closed: string[]
}

export function useTestServer(): TestServer {
  const state = { base: '', port: 0, seen: [] as string[], closed: [] as string[] }
  const routes: Record<string, Handler> = {
    '/hello': (_req, _body, res) => {
      res.setHeader('set-cookie', ['session=secret-cookie', 'b=2'])
      res.writeHead(200, { 'content-type': 'application/json', 'x-custom': 'yes' }).end('{"ok":true}')
    },
    '/echo': (req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }))
    },
    '/big': (_req, _body, res) => {
      res.writeHead(200)
      for (let i = 0; i < 100; i++) res.write('a'.repeat(1000))
      res.end()
    },
    '/exact': (_req, _body, res) => res.writeHead(200).end('b'.repeat(1000)),
    '/utf8': (_req, _body, res) => res.writeHead(200).end('éééé'), // 8 bytes
    '/loop': (_req, _body, res) => res.writeHead(302, { location: '/loop' }).end(),
    // /to?url=…&status=…: a redirect to any target
    '/to': (req, _body, res) => {
      const target = new URL(req.url ?? '', 'http://x').searchParams
      res.writeHead(Number(target.get('status') ?? 302), { location: target.get('url') ?? '/' }).end()
    },
    '/hang': (_req, _body, res) => res.on('close', () => state.closed.push('/hang')), // never answers
    '/trickle': (_req, _body, res) => {
      res.writeHead(200).write('first part')
      res.on('close', () => state.closed.push('/trickle'))
    },
  }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      const path = new URL(req.url ?? '', 'http://x').pathname
      state.seen.push(path)
      const status = /^\/status\/(\d+)$/.exec(path)
      const redirect = /^\/redirect\/(\d+)$/.exec(path) // /redirect/n: n redirects, then 200
      if (status) res.writeHead(Number(status[1])).end(`status ${status[1]}`)
      else if (redirect) {
        const n = Number(redirect[1])
        if (n === 0) res.writeHead(200).end('arrived')
        else res.writeHead(302, { location: `/redirect/${n - 1}` }).end()
      } else (routes[path] ?? ((_q, _b, r) => r.writeHead(404).end()))(req, body, res)
    })
  })
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    state.port = (server.address() as AddressInfo).port
    state.base = `http://127.0.0.1:${state.port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return state
}

/** A Resolver answering from a fixed table (one IPv4 address per name), for tests without DNS. */
export const fakeDns =
  (table: Record<string, string>): Resolver =>
  async (hostname): Promise<LookupAddress[]> => {
    const address = table[hostname]
    return address === undefined ? [] : [{ address, family: 4 }]
  }

/** Parses and runs one `http` job (private targets allowed unless overridden); checks no listener is left. */
export async function runHttp(
  input: Record<string, unknown>,
  options: Partial<HttpTypeOptions> = {},
  fake: FakeContext = createFakeContext(),
) {
  const type = createHttpType({ allowPrivate: true, ...options })
  try {
    return await type.run(type.params.parse(input), fake.ctx)
  } finally {
    expect(getEventListeners(fake.ctx.signal, 'abort')).toHaveLength(0)
  }
}

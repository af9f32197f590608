import http from 'node:http'
import { wallNow } from './stats.ts'

export interface HttpReply {
  status: number
  body: unknown
  /** Wall-clock ms just before the request was handed to the socket. */
  sentAt: number
  /** Wall-clock ms when the whole response body had arrived (before JSON parsing). */
  receivedAt: number
}

/**
 * A minimal keep-alive JSON client on node:http. `fetch` (undici) would do, but its per-request
 * overhead is larger, and latency figures should be the server's, not the client's.
 */
export class HttpClient {
  readonly #agent: http.Agent
  readonly #url: URL

  constructor(baseUrl: string, options: { maxSockets?: number } = {}) {
    this.#url = new URL(baseUrl)
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1 })
  }

  get baseUrl(): string {
    return this.#url.origin
  }

  request(method: string, path: string, body?: unknown): Promise<HttpReply> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path,
          agent: this.#agent,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': payload.length }
            : undefined,
        },
        (res) => {
          const parts: Buffer[] = []
          res.on('data', (chunk: Buffer) => parts.push(chunk))
          res.on('error', reject)
          res.on('end', () => {
            const receivedAt = wallNow()
            const text = Buffer.concat(parts).toString('utf8')
            let parsed: unknown = text
            try {
              parsed = text.length > 0 ? JSON.parse(text) : null
            } catch {
              // Not JSON: keep the text, the caller reports it.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, sentAt, receivedAt })
          })
        },
      )
      req.on('error', reject)
      const sentAt = wallNow()
      req.end(payload)
    })
  }

  /** Like `request`, but throws unless the status is one of `expect`. */
  async json(method: string, path: string, body: unknown, expect: readonly number[]): Promise<HttpReply> {
    const reply = await this.request(method, path, body)
    if (!expect.includes(reply.status)) {
      const detail = JSON.stringify(reply.body).slice(0, 500)
      throw new Error(`${method} ${path} → ${reply.status}: ${detail}`)
    }
    return reply
  }

  close(): void {
    this.#agent.destroy()
  }
}

import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { waitFor } from './wait-for.ts'

/** One parsed text/event-stream block: fields as sent, `comment` for `: …` lines. */
export interface SseFrame {
  id?: string
  event?: string
  data?: string
  retry?: string
  comment?: string
}

/** Listens on an ephemeral loopback port; returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = {}
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comment = line.slice(1).trim()
      continue
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id' || field === 'event' || field === 'data' || field === 'retry') frame[field] = value
  }
  return frame
}

/**
 * A raw HTTP SSE client: supertest buffers the whole body, which never ends for a stream.
 * Frames are parsed as they arrive; `body` holds the text of a non-stream (error) answer.
 */
export class SseClient {
  readonly frames: SseFrame[] = []
  body = ''
  ended = false
  #buffer = ''

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      this.body += chunk
      this.#buffer += chunk
      let end = this.#buffer.indexOf('\n\n')
      while (end >= 0) {
        this.frames.push(parseFrame(this.#buffer.slice(0, end)))
        this.#buffer = this.#buffer.slice(end + 2)
        end = this.#buffer.indexOf('\n\n')
      }
    })
    const onEnd = () => {
      this.ended = true
    }
    res.on('end', onEnd)
    res.on('close', onEnd)
    res.on('error', onEnd)
  }

  static open(base: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers } })
      req.on('response', (res) => resolve(new SseClient(req, res)))
      req.on('error', reject)
      req.end()
    })
  }

  get status(): number {
    return this.res.statusCode ?? 0
  }

  get headers(): IncomingHttpHeaders {
    return this.res.headers
  }

  /** Frames that carry an event (an `event:` or `data:` line), in arrival order. */
  get events(): (SseFrame & { id: string; event: string; json: Record<string, unknown> })[] {
    return this.frames
      .filter((f) => f.data !== undefined)
      .map((f) => ({ ...f, id: f.id ?? '', event: f.event ?? 'message', json: JSON.parse(f.data ?? 'null') }))
  }

  /** Waits until `predicate` holds over the frames received so far. */
  async until(predicate: (client: SseClient) => boolean, timeoutMs = 5000): Promise<void> {
    await waitFor(() => predicate(this), { timeoutMs })
  }

  /** Drops the connection, as a browser tab closing would. */
  close(): void {
    this.req.destroy()
  }
}

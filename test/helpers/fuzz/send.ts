import type { FastifyInstance } from 'fastify'
import { encode } from './garbage.ts'
import { DEEP } from './mutate.ts'
import type { Plan } from './plan.ts'

/** What the fuzzer checks of a response. */
export interface Outcome {
  status: number
  contentType: string
  body: string
}

const POOL_SIZE = 300
/** Generous: the slowest valid request is a 20 ms wait; anything near this is a hang. */
const DEADLINE_MS = 10_000

/** Job ids seen in responses, so later requests can name real jobs (`@pool:N`). */
export class IdPool {
  readonly #ids: string[] = []
  #next = 0

  add(id: string): void {
    if (this.#ids.length < POOL_SIZE) this.#ids.push(id)
    else this.#ids[this.#next++ % POOL_SIZE] = id
  }

  get(n: number): string {
    return this.#ids.length === 0 ? 'no-jobs-yet' : (this.#ids[n % this.#ids.length] as string)
  }

  /** Learns ids from a JSON reply: a job, `{items}`, `{done, pending}` or `{job}`. */
  learn(body: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return
    }
    const visit = (v: unknown) => {
      if (typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string')
        this.add((v as { id: string }).id)
    }
    visit(parsed)
    if (typeof parsed === 'object' && parsed !== null) {
      for (const list of Object.values(parsed)) if (Array.isArray(list)) list.forEach(visit)
    }
  }
}

const fill = (text: string, pool: IdPool) =>
  text
    .replace(/@pool:(\d+)/g, (_, n: string) => pool.get(Number(n)))
    .replace(/@cursor:(\d+)/g, (_, n: string) => Buffer.from(pool.get(Number(n))).toString('base64url'))

function queryString(query: Plan['query'], pool: IdPool): string {
  if (typeof query === 'string') return query
  return query.map(([k, v]) => `${encode(k)}=${encode(fill(v, pool))}`).join('&')
}

function payload(body: Plan['body'], pool: IdPool): string | Buffer | undefined {
  if (body === undefined) return undefined
  if ('json' in body) {
    const text = fill(JSON.stringify(body.json) ?? 'null', pool)
    return text.replace(DEEP, (_, n: string) => `${'['.repeat(Number(n))}${']'.repeat(Number(n))}`)
  }
  return typeof body.raw === 'string' ? body.raw : Buffer.from(body.raw)
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** Sends one plan through `app.inject` (no sockets); a stream (SSE) is read up to its headers. */
export async function send(app: FastifyInstance, plan: Plan, pool: IdPool): Promise<Outcome> {
  const query = queryString(plan.query, pool)
  const url = `${fill(plan.path, pool)}${query ? `?${query}` : ''}`
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${DEADLINE_MS} ms`)), DEADLINE_MS)
  })
  try {
    const res = await Promise.race([
      app.inject({
        method: plan.method as 'GET',
        url,
        headers: plan.headers,
        payload: payload(plan.body, pool),
        payloadAsStream: true,
      }),
      deadline,
    ])
    const contentType = String(res.headers['content-type'] ?? '')
    if (contentType.startsWith('text/event-stream')) {
      res.raw.res.destroy() // the client goes away, as a browser tab closing would
      return { status: res.statusCode, contentType, body: '' }
    }
    const body = await Promise.race([readAll(res.stream()), deadline])
    return { status: res.statusCode, contentType, body }
  } finally {
    clearTimeout(timer)
  }
}

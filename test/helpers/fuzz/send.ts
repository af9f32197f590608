import { request as httpRequest } from 'node:http'
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

/** The tokens behind the `read` and `write` roles of a plan. */
export interface FuzzTokens {
  read: string
  write: string
}

const POOL_SIZE = 300
/**
 * Ids are drawn from the most recently seen: a job is then still likely active (cancel → 202) and a
 * schedule not yet stopped or deleted by an earlier request (→ 2xx rather than 404/409).
 */
const RECENT = 30
/** Generous: the slowest valid request is a 20 ms wait; anything near this is a hang. */
const DEADLINE_MS = 10_000
/** A token the service does not know, for plans without an authorization header of their own. */
const WRONG_TOKEN = 'Bearer fuzz-wrong-token-0000000000'

class Ring {
  readonly #ids: string[] = []
  #next = 0

  /** Forgets `id`: its slot goes to the newest id, so draws stay among the live ones. */
  remove(id: string): void {
    const at = this.#ids.indexOf(id)
    if (at < 0) return
    this.#ids.splice(at, 1)
    this.#next = this.#ids.length % POOL_SIZE
  }

  add(id: string): void {
    if (this.#ids.includes(id)) return
    if (this.#ids.length < POOL_SIZE) this.#ids.push(id)
    else this.#ids[this.#next++ % POOL_SIZE] = id
  }

  get(n: number, none: string): string {
    const size = this.#ids.length
    if (size === 0) return none
    // #next is where the next id goes once the ring is full; before that, the end of the list.
    const newest = size < POOL_SIZE ? size - 1 : (this.#next - 1 + size) % size
    return this.#ids[(newest - (n % Math.min(RECENT, size)) + size) % size] as string
  }
}

/** Job and schedule ids seen in responses, so later requests can name real ones (`@pool:N`, `@spool:N`). */
export class IdPool {
  readonly jobs = new Ring()
  readonly schedules = new Ring()

  /** Learns ids from a JSON reply: a job or schedule, `{items}`, `{done, pending}` or `{job}`. */
  learn(body: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return
    }
    const visit = (v: unknown) => {
      if (typeof v !== 'object' || v === null || typeof (v as { id?: unknown }).id !== 'string') return
      const { id, state } = v as { id: string; state?: unknown }
      if (!('trigger' in v)) this.jobs.add(id)
      // A stopped schedule only answers 409 from now on: keep drawing live ones.
      else if (state === 'stopping' || state === 'stopped') this.schedules.remove(id)
      else this.schedules.add(id)
    }
    visit(parsed)
    if (typeof parsed === 'object' && parsed !== null) {
      for (const value of Object.values(parsed)) {
        if (Array.isArray(value)) value.forEach(visit)
        else visit(value)
      }
    }
  }
}

const cursor = (id: string) => Buffer.from(id).toString('base64url')
const fill = (text: string, pool: IdPool) =>
  text
    .replace(/@pool:(\d+)/g, (_, n: string) => pool.jobs.get(Number(n), 'no-jobs-yet'))
    .replace(/@spool:(\d+)/g, (_, n: string) => pool.schedules.get(Number(n), 'no-schedules-yet'))
    .replace(/@cursor:(\d+)/g, (_, n: string) => cursor(pool.jobs.get(Number(n), 'x')))
    .replace(/@scursor:(\d+)/g, (_, n: string) => cursor(pool.schedules.get(Number(n), 'x')))

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

/** The plan's headers with its role's authorization: none, a wrong one, or a real token. */
function headersFor(plan: Plan, tokens: FuzzTokens | undefined): Record<string, string> {
  const { authorization: own, ...rest } = plan.headers
  switch (plan.auth) {
    case undefined:
      return plan.headers
    case 'none':
      return rest
    case 'wrong':
      return { ...rest, authorization: own ?? WRONG_TOKEN }
    default:
      return tokens ? { ...rest, authorization: `Bearer ${tokens[plan.auth]}` } : rest
  }
}

/** A plan made concrete: placeholders filled with known ids, the role's token set. */
function prepare(plan: Plan, pool: IdPool, tokens: FuzzTokens | undefined) {
  const query = queryString(plan.query, pool)
  return {
    method: plan.method,
    url: `${fill(plan.path, pool)}${query ? `?${query}` : ''}`,
    headers: headersFor(plan, tokens),
    payload: payload(plan.body, pool),
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

async function withDeadline<T>(work: (deadline: Promise<never>) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${DEADLINE_MS} ms`)), DEADLINE_MS)
  })
  try {
    return await work(deadline)
  } finally {
    clearTimeout(timer)
  }
}

/** Sends one plan through `app.inject` (no sockets); a stream (SSE) is read up to its headers. */
export function send(app: FastifyInstance, plan: Plan, pool: IdPool, tokens?: FuzzTokens): Promise<Outcome> {
  const req = prepare(plan, pool, tokens)
  return withDeadline(async (deadline) => {
    const res = await Promise.race([
      app.inject({ ...req, method: req.method as 'GET', payloadAsStream: true }),
      deadline,
    ])
    const contentType = String(res.headers['content-type'] ?? '')
    if (contentType.startsWith('text/event-stream')) {
      res.raw.res.destroy() // the client goes away, as a browser tab closing would
      return { status: res.statusCode, contentType, body: '' }
    }
    const body = await Promise.race([readAll(res.stream()), deadline])
    return { status: res.statusCode, contentType, body }
  })
}

/**
 * Sends one plan to a server process over a fresh loopback connection (real sockets, Node's own
 * parser). Returns null when Node's client refuses to send the plan at all (e.g. a header value it
 * rejects), which says nothing about the server.
 */
export function sendOverHttp(
  base: string,
  plan: Plan,
  pool: IdPool,
  tokens?: FuzzTokens,
): Promise<Outcome | null> {
  const { method, url, headers: planned, payload: body } = prepare(plan, pool, tokens)
  // Framing stays honest over sockets: a Content-Length above the body makes the server wait for
  // bytes that never come (the slow-client case, slow-clients.test.ts), one below it turns the rest
  // into a second, pipelined request whose answer Node's client rejects. Node sets the true length.
  const { 'content-length': declared, ...rest } = planned
  const headers =
    declared !== undefined && Number(declared) !== Buffer.byteLength(body ?? '') ? rest : planned
  return withDeadline((deadline) =>
    Promise.race([
      deadline,
      new Promise<Outcome | null>((resolve, reject) => {
        let req: ReturnType<typeof httpRequest>
        try {
          req = httpRequest(`${base}${url}`, { method, headers, agent: false })
        } catch {
          return resolve(null)
        }
        req.on('response', (res) => {
          const contentType = String(res.headers['content-type'] ?? '')
          const status = res.statusCode ?? 0
          if (contentType.startsWith('text/event-stream')) {
            res.destroy()
            return resolve({ status, contentType, body: '' })
          }
          readAll(res).then((text) => resolve({ status, contentType, body: text }), reject)
        })
        req.on('error', reject)
        req.end(body)
      }),
    ]),
  )
}

import { HttpClient, type HttpReply } from './http.ts'
import { pace } from './load.ts'
import { wallNow } from './stats.ts'

/**
 * P10's mixed work, one request per slot of a 20-slot cycle: half of it creates (`noop`), the
 * rest waits, cancels, timeouts, reads and list pages, so every write path and the hub see load.
 */
// biome-ignore format: the cycle reads best as two rows of ten slots
const CYCLE = [
  'create', 'create', 'list', 'create', 'wait', 'create', 'sleeper', 'create', 'cancel', 'get',
  'create', 'create', 'timeout', 'create', 'list', 'wait', 'create', 'sleeper', 'cancel', 'create',
] as const
type Op = (typeof CYCLE)[number]

export interface MixStats {
  sent: number
  ok: number
  errors: number
  /** Not sent because too many requests were in flight already (the client could not keep up). */
  shed: number
  byOp: Record<string, number>
  /** The first few errors, for the notes. */
  samples: string[]
  /** Request latencies (ms) per time slice of the run, by when each was sent. */
  slices: number[][]
  seconds: number
}

interface Request {
  method: string
  path: string
  body?: unknown
  expect: readonly number[]
  /** What to keep from a good reply (an id for later slots). */
  keep?: (reply: HttpReply) => void
}

const idOf = (reply: HttpReply) => (reply.body as { id?: string } | null)?.id

/**
 * Starts the mix at `rate` req/s against `url`; latencies are bucketed into `sliceCount` slices of
 * `sliceMs` by send time (the few sent between the last slice's end and `stop()` count in it).
 */
export function startMix(url: string, rate: number, sliceMs: number, sliceCount: number, maxInFlight = 1000) {
  // More connections than P1's 50: waits hold theirs until a job ends, and must not throttle the rest.
  const client = new HttpClient(url, { maxSockets: 64 })
  const stats: MixStats = {
    sent: 0,
    ok: 0,
    errors: 0,
    shed: 0,
    byOp: {},
    samples: [],
    slices: [],
    seconds: 0,
  }
  const inFlight = new Set<Promise<void>>()
  const recent: string[] = []
  const sleepers: string[] = []
  let cursor: string | null = null
  let depth = 0
  let n = 0
  let kept = 0
  const fail = (what: string) => {
    stats.errors++
    if (stats.samples.length < 5) stats.samples.push(what)
  }
  const remember = (reply: HttpReply) => {
    const id = idOf(reply)
    if (id) recent[kept++ % 64] = id
  }

  function requestFor(op: Op): Request {
    const some = recent[Math.floor(Math.random() * recent.length)]
    switch (op) {
      case 'list': {
        // Walk 10 pages deep, then start again at the newest.
        const query: string = cursor && depth < 10 ? `limit=20&cursor=${cursor}` : 'limit=20'
        return {
          method: 'GET',
          path: `/v1/jobs?${query}`,
          expect: [200],
          keep: (reply) => {
            cursor = (reply.body as { nextCursor?: string | null }).nextCursor ?? null
            depth = query.includes('cursor') ? depth + 1 : 0
          },
        }
      }
      case 'wait':
        if (some)
          return {
            method: 'POST',
            path: '/v1/jobs/wait',
            body: { ids: [some], timeoutMs: 5000 },
            expect: [200],
          }
        break
      case 'get':
        if (some) return { method: 'GET', path: `/v1/jobs/${some}`, expect: [200] }
        break
      case 'sleeper': {
        const keep = (reply: HttpReply) => {
          const id = idOf(reply)
          if (id) sleepers.push(id)
        }
        return {
          method: 'POST',
          path: '/v1/jobs',
          body: { type: 'sleep', params: { ms: 60_000 } },
          expect: [201],
          keep,
        }
      }
      case 'cancel': {
        const id = sleepers.shift()
        // Queued: cancelled at once (200); running: cancelling (202).
        if (id) return { method: 'POST', path: `/v1/jobs/${id}/cancel`, body: {}, expect: [200, 202] }
        break
      }
      case 'timeout': {
        const body = { type: 'sleep', params: { ms: 10_000 }, timeoutMs: 100 + (n % 300) }
        return { method: 'POST', path: '/v1/jobs', body, expect: [201] }
      }
      case 'create':
        break
    }
    return {
      method: 'POST',
      path: '/v1/jobs',
      body: { type: 'noop', params: {} },
      expect: [201],
      keep: remember,
    }
  }

  const started = wallNow()
  const stopPacing = pace(rate, () => {
    const op = CYCLE[n++ % CYCLE.length] as Op
    if (inFlight.size >= maxInFlight) {
      stats.shed++
      return
    }
    const req = requestFor(op)
    stats.sent++
    stats.byOp[op] = (stats.byOp[op] ?? 0) + 1
    const done = client.request(req.method, req.path, req.body).then(
      (reply) => {
        const slice = Math.min(sliceCount - 1, Math.floor((reply.sentAt - started) / sliceMs))
        const list = stats.slices[slice] ?? []
        list.push(reply.receivedAt - reply.sentAt)
        stats.slices[slice] = list
        if (!req.expect.includes(reply.status)) {
          fail(
            `${req.method} ${req.path.split('?')[0]} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`,
          )
          return
        }
        stats.ok++
        req.keep?.(reply)
      },
      (err: unknown) => fail(`${req.method} ${req.path.split('?')[0]}: ${String(err)}`),
    )
    const tracked = done.finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
  })

  return {
    stats,
    async stop(): Promise<MixStats> {
      stopPacing()
      stats.seconds = (wallNow() - started) / 1000
      await Promise.all(inFlight)
      client.close()
      return stats
    },
  }
}

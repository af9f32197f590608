import { HttpClient } from './http.ts'
import { wallNow } from './stats.ts'

/**
 * Calls `fire` `rate` times a second on a fixed grid from the start (open loop): a late tick
 * catches up rather than stretching the schedule, so a slow server gets the load it was offered,
 * not what it could take. Returns a stop function, which says how many calls were made.
 */
export function pace(rate: number, fire: () => void, tickMs = 5): () => number {
  const start = wallNow()
  let fired = 0
  const timer = setInterval(() => {
    const due = Math.floor(((wallNow() - start) * rate) / 1000)
    for (; fired < due; fired++) fire()
  }, tickMs)
  return () => {
    clearInterval(timer)
    return fired
  }
}

export interface LoadStats {
  sent: number
  ok: number
  /** Unexpected statuses and transport errors. */
  errors: number
  /** Not sent because too many were in flight already. */
  shed: number
  /** Achieved rate of answered requests, req/s. */
  rate: number
}

/**
 * A steady `rate` of one request (e.g. `POST /v1/jobs` noop creates) from the runner process —
 * a process of its own, apart from the server's. Stop it to get what it did.
 */
export function steadyLoad(
  url: string,
  rate: number,
  request: { method: string; path: string; body?: unknown; expect: readonly number[] },
  maxInFlight = 500,
): { stop(): Promise<LoadStats> } {
  const client = new HttpClient(url, { maxSockets: 16 })
  const stats = { sent: 0, ok: 0, errors: 0, shed: 0 }
  const inFlight = new Set<Promise<void>>()
  const started = wallNow()
  const stopPacing = pace(rate, () => {
    if (inFlight.size >= maxInFlight) {
      stats.shed++
      return
    }
    stats.sent++
    const done = client.request(request.method, request.path, request.body).then(
      (reply) => {
        if (request.expect.includes(reply.status)) stats.ok++
        else stats.errors++
      },
      () => {
        stats.errors++
      },
    )
    const tracked = done.finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
  })
  return {
    async stop() {
      stopPacing()
      const seconds = (wallNow() - started) / 1000
      await Promise.all(inFlight)
      client.close()
      return { ...stats, rate: stats.ok / seconds }
    },
  }
}

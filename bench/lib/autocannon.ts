import type { EventEmitter } from 'node:events'
import autocannon from 'autocannon'

export interface Load {
  ok: number
  bad: number
  seconds: number
  latencies: number[]
}

export const emptyLoad = (): Load => ({ ok: 0, bad: 0, seconds: 0, latencies: [] })

/**
 * One autocannon burst of `POST <url>/v1/jobs` noop creates at 50 connections (P1's load); every
 * response's latency is kept so slices can be merged exactly.
 */
export function cannon(url: string, seconds: number, into: Load): Promise<void> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/jobs`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'noop', params: {} }),
        connections: 50,
        duration: seconds,
      },
      (err, result) => {
        if (err) return reject(err)
        into.ok += result['2xx']
        into.bad += result.non2xx + result.errors + result.timeouts
        into.seconds += result.duration
        resolve()
      },
    )
    // autocannon emits (client, statusCode, resBytes, responseTime); @types/autocannon omits `client`.
    ;(instance as unknown as EventEmitter).on('response', (_client, _status, _bytes, ms: number) => {
      into.latencies.push(ms)
    })
  })
}

import { createReadStream } from 'node:fs'
import { HttpClient } from './http.ts'
import { wallNow } from './stats.ts'

export interface MemorySample {
  /** Seconds since the watch started. */
  t: number
  rssBytes: number
  heapUsedBytes: number
  /** Buffers and other memory outside the V8 heap: RSS that grows while the heap does not is often here. */
  externalBytes: number
  /** The server's CPU time so far (user + system). */
  cpuSeconds: number
}

/** A Prometheus text-format gauge without labels, e.g. `process_resident_memory_bytes 1.2e8`. */
function gauge(text: string, name: string): number {
  const match = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text)
  return match ? Number(match[1]) : Number.NaN
}

/**
 * Reads the server's own RSS and heap from `GET /metrics` (prom-client's process metrics) every
 * `everyMs`, on a connection of its own. The server's figures, not `ps`: the same numbers an
 * operator's dashboard would show.
 */
export function watchMemory(url: string, everyMs: number) {
  const client = new HttpClient(url)
  const samples: MemorySample[] = []
  const failures: string[] = []
  const started = wallNow()
  let busy = false
  const sample = async () => {
    if (busy) return
    busy = true
    try {
      const reply = await client.request('GET', '/metrics')
      const text = typeof reply.body === 'string' ? reply.body : ''
      const rssBytes = gauge(text, 'process_resident_memory_bytes')
      const heapUsedBytes = gauge(text, 'nodejs_heap_size_used_bytes')
      if (reply.status !== 200 || !Number.isFinite(rssBytes) || !Number.isFinite(heapUsedBytes))
        failures.push(`GET /metrics → ${reply.status} without the memory gauges`)
      else
        samples.push({
          t: (wallNow() - started) / 1000,
          rssBytes,
          heapUsedBytes,
          externalBytes: gauge(text, 'nodejs_external_memory_bytes'),
          cpuSeconds: gauge(text, 'process_cpu_seconds_total'),
        })
    } catch (err) {
      failures.push(`GET /metrics: ${String(err)}`)
    } finally {
      busy = false
    }
  }
  void sample()
  const timer = setInterval(() => void sample(), everyMs)
  return {
    samples,
    failures,
    stop() {
      clearInterval(timer)
      client.close()
    },
  }
}

/** Lines of a pino log at warn (40) and at error or fatal (≥ 50), streamed: a soak's log is large. */
export async function countLogLevels(
  file: string,
): Promise<{ warn: number; error: number; first: string[] }> {
  const out = { warn: 0, error: 0, first: [] as string[] }
  let rest = ''
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      if (line.includes('"level":40')) out.warn++
      else if (/"level":(50|60)/.test(line)) {
        out.error++
        if (out.first.length < 3) out.first.push(line.slice(0, 300))
      }
    }
  }
  return out
}

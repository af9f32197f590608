import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cannon, emptyLoad } from '../lib/autocannon.ts'
import { startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { listPage } from '../lib/jobs.ts'
import { countLogLevels, type MemorySample, watchMemory } from '../lib/server-watch.ts'
import { type MixStats, startMix } from '../lib/soak-mix.ts'
import { soakPlot } from '../lib/soak-plot.ts'
import { countEvents } from '../lib/sse-count.ts'
import { percentile, sleep } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

const SCHEDULES = 20
const PLOT = 'p10-soak.svg'
const MiB = 2 ** 20
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** Mean RSS and heap of the samples taken in [from, to) seconds. */
function memoryIn(samples: readonly MemorySample[], from: number, to: number) {
  const inside = samples.filter((s) => s.t >= from && s.t < to)
  return { rss: mean(inside.map((s) => s.rssBytes)), heap: mean(inside.map((s) => s.heapUsedBytes)) }
}

/**
 * The create throughput P1 measures, on the soak's server: after a warm-up, the best of three short
 * autocannon runs, since load from elsewhere on the machine only ever lowers it.
 */
async function probeCreates(url: string, quick: boolean): Promise<number> {
  await cannon(url, quick ? 0.5 : 2, emptyLoad())
  let best = 0
  for (let k = 0; k < 3; k++) {
    const load = emptyLoad()
    await cannon(url, quick ? 1 : 2, load)
    best = Math.max(best, load.ok / load.seconds)
  }
  return best
}

export const p10: Scenario = {
  name: 'p10',
  title: 'soak (mixed work at half of the create throughput, real server on a file database)',
  bar: '0 errors; RSS growth < 10 % after warm-up; p99 of the last minute ≤ 1.2× the second minute',
  figures: [
    {
      key: 'probe req/s',
      label: 'create throughput probe (autocannon, 50 connections, as P1)',
      unit: 'req/s',
    },
    { key: 'offered req/s', label: 'mixed work offered (half the probe)', unit: 'req/s' },
    { key: 'answered req/s', label: 'mixed work answered as expected', unit: 'req/s' },
    { key: 'kept up', label: 'answered / offered', unit: '×' },
    {
      key: 'errors',
      label: 'errors: unexpected statuses, failed requests, lost stream, error log lines',
      unit: '',
    },
    { key: 'log errors', label: 'server log lines at error or fatal', unit: 'lines' },
    { key: 'log warnings', label: 'server log lines at warn', unit: 'lines' },
    { key: 'shed', label: 'requests not sent: 1,000 already in flight', unit: '' },
    { key: 'p99 second', label: 'request p99, second slice', unit: 'ms' },
    { key: 'p99 last', label: 'request p99, last slice', unit: 'ms' },
    { key: 'p99 ratio', label: 'request p99 last slice / second slice', unit: '×' },
    { key: 'p99 worst', label: 'request p99, worst slice', unit: 'ms' },
    { key: 'rss warm', label: 'server RSS just after warm-up', unit: 'MiB' },
    { key: 'rss end', label: 'server RSS in the last slice', unit: 'MiB' },
    { key: 'rss growth', label: 'RSS growth after warm-up (last slice / first slice after it)', unit: '%' },
    { key: 'rss peak growth', label: 'RSS peak after warm-up over the same baseline', unit: '%' },
    { key: 'heap warm', label: 'server heap used just after warm-up', unit: 'MiB' },
    { key: 'heap end', label: 'server heap used in the last slice', unit: 'MiB' },
    { key: 'server cpu', label: 'server CPU during the soak (of one core)', unit: '%' },
    { key: 'runner cpu', label: 'runner (load generator, event reader) CPU during the soak', unit: '%' },
    { key: 'sse events/s', label: 'events received by the one /v1/events reader', unit: '/s' },
    { key: 'ticks', label: `schedule ticks seen (${SCHEDULES} interval schedules at 1 s)`, unit: '' },
  ],
  checks: [
    { label: '0 errors', key: 'errors', op: '<=', goal: 0 },
    { label: 'RSS growth after warm-up < 10 %', key: 'rss growth', op: '<=', goal: 10 },
    { label: 'last slice p99 ≤ 1.2× the second slice', key: 'p99 ratio', op: '<=', goal: 1.2 },
    // Not a QUALITY bar, but the others read differently when the server could not take the load.
    {
      label: 'the server kept up: answered ≥ 0.95× offered',
      key: 'kept up',
      op: '>=',
      goal: 0.95,
      informational: true,
    },
  ],
  async run(ctx) {
    const durationS = ctx.quick ? 30 : 600
    const sliceS = durationS / 10
    const warmupS = ctx.quick ? durationS / 3 : 120
    const log = join(ctx.tmp, 'p10.log')
    const server = await startServer({
      env: {
        JOBVISOR_DB: join(ctx.tmp, 'p10.db'),
        JOBVISOR_MAX_CONCURRENCY: '1000',
        // The soak ends with sleep jobs running; the stop is not measured, so it need not wait for them.
        JOBVISOR_SHUTDOWN_GRACE_MS: '500',
      },
      stdoutFile: log,
    })
    let mix: MixStats
    let samples: MemorySample[]
    const f: Figures = {}
    const notes: string[] = []
    try {
      f['probe req/s'] = await probeCreates(server.url, ctx.quick)
      const rate = Math.round(f['probe req/s'] / 2)
      f['offered req/s'] = rate
      const client = new HttpClient(server.url, { maxSockets: 4 })
      // The probe's jobs are still being run: the soak starts once they are done.
      while ((await listPage(client, 'state=queued,running&limit=1')).page.items.length > 0) await sleep(100)
      await Promise.all(
        Array.from({ length: SCHEDULES }, (_, k) =>
          client.json(
            'POST',
            '/v1/schedules',
            {
              name: `soak-${k}`,
              trigger: { type: 'interval', every: '1s' },
              job: { type: 'noop', params: {} },
            },
            [201],
          ),
        ),
      )
      client.close()
      ctx.log(
        `probe ${Math.round(f['probe req/s'])} creates/s → ${rate} req/s of mixed work for ${durationS} s`,
      )
      const events = countEvents(`${server.url}/v1/events`)
      const memory = watchMemory(server.url, ctx.quick ? 1000 : 10_000)
      const runnerCpu = process.cpuUsage()
      const running = startMix(server.url, rate, sliceS * 1000, 10)
      for (let k = 1; k <= 10; k++) {
        await sleep(sliceS * 1000)
        const last = memory.samples.at(-1)
        const p99 = percentile(running.stats.slices[k - 1] ?? [], 99)
        ctx.log(
          `${k * sliceS} s: ${running.stats.ok} ok, ${running.stats.errors} errors, p99 ${p99.toFixed(1)} ms, RSS ${((last?.rssBytes ?? 0) / MiB).toFixed(0)} MiB`,
        )
      }
      mix = await running.stop()
      const used = process.cpuUsage(runnerCpu)
      f['runner cpu'] = ((used.user + used.system) / 1e6 / mix.seconds) * 100
      memory.stop()
      samples = memory.samples
      const [first, final] = [samples[0], samples.at(-1)]
      if (first && final)
        f['server cpu'] = ((final.cpuSeconds - first.cpuSeconds) / (final.t - first.t)) * 100
      const sse = events.close()
      const scanning = Date.now()
      const logLevels = await countLogLevels(log)
      ctx.log(`log scanned in ${Date.now() - scanning} ms`)
      f['answered req/s'] = mix.ok / mix.seconds
      f['kept up'] = f['answered req/s'] / rate
      f.shed = mix.shed
      f['log errors'] = logLevels.error
      f['log warnings'] = logLevels.warn
      f.errors = mix.errors + memory.failures.length + (sse.lostReason ? 1 : 0) + logLevels.error
      f['sse events/s'] = Object.values(sse.byType).reduce((a, b) => a + b, 0) / mix.seconds
      f.ticks = sse.byType['schedule:tick'] ?? 0
      notes.push(
        `requests by kind: ${JSON.stringify(mix.byOp)}; events by type: ${JSON.stringify(sse.byType)}`,
      )
      if (mix.samples.length > 0) notes.push(`first errors: ${mix.samples.join('; ')}`)
      if (memory.failures.length > 0) notes.push(`metrics: ${memory.failures.slice(0, 3).join('; ')}`)
      if (sse.lostReason) notes.push(`the event stream was lost: ${sse.lostReason}`)
      if (logLevels.first.length > 0) notes.push(`server errors logged: ${logLevels.first.join(' ')}`)
    } finally {
      const stopping = Date.now()
      await server.stop()
      ctx.log(`server stopped in ${Date.now() - stopping} ms`)
    }
    const p99s = mix.slices.map((l) => percentile(l ?? [], 99))
    const [second = Number.NaN, last = Number.NaN] = [p99s[1], p99s.at(-1)]
    const warm = memoryIn(samples, warmupS, warmupS + sliceS)
    const end = memoryIn(samples, durationS - sliceS, Number.POSITIVE_INFINITY)
    const peak = Math.max(...samples.filter((s) => s.t >= warmupS).map((s) => s.rssBytes))
    const growth = (end.rss / warm.rss - 1) * 100
    Object.assign(f, {
      'p99 second': second,
      'p99 last': last,
      'p99 ratio': last / second,
      'p99 worst': Math.max(...p99s.filter(Number.isFinite)),
      'rss warm': warm.rss / MiB,
      'rss end': end.rss / MiB,
      'rss growth': growth,
      'rss peak growth': (peak / warm.rss - 1) * 100,
      'heap warm': warm.heap / MiB,
      'heap end': end.heap / MiB,
    })
    writeFileSync(join(ctx.outDir, PLOT), soakPlot(`P10 soak, ${durationS} s`, samples, mix, sliceS, warmupS))
    ctx.log(
      `errors ${f.errors}, RSS ${(warm.rss / MiB).toFixed(0)} → ${(end.rss / MiB).toFixed(0)} MiB (${growth.toFixed(1)} %), p99 ${second.toFixed(1)} → ${last.toFixed(1)} ms`,
    )
    notes.unshift(
      `![P10 soak: server RSS, heap and request p99 over time](${PLOT})`,
      `One run of ${durationS} s (a soak is one long run, whatever --runs says). The real server (src/server.ts) on a SQLite file, JOBVISOR_MAX_CONCURRENCY 1000, pino info logging to a file. First an autocannon probe of \`POST /v1/jobs\` noop at 50 connections on the same server (P1's load: a warm-up, then the best of three ${ctx.quick ? 1 : 2} s runs) gives the create throughput; once the probe's jobs have run, the soak offers half of it, open loop from the runner process (64 keep-alive connections), as a cycle of 20 requests: 10 \`noop\` creates, 2 list pages (walking up to 10 pages deep by cursor), 2 waits and 1 read on recent noop ids, 2 creates of 60 s \`sleep\` jobs that 2 cancels then cancel, 1 \`sleep\` job with a 100–399 ms timeout; plus ${SCHEDULES} interval schedules at 1 s and one reader of the whole \`/v1/events\` stream.`,
      `Memory from the server's \`GET /metrics\` (process_resident_memory_bytes, nodejs_heap_size_used_bytes) every ${ctx.quick ? 1 : 10} s; latency of every request by the slice (${sliceS} s) it was sent in. Warm-up: the first ${warmupS} s; RSS growth = mean RSS of the last slice / mean RSS of the slice right after warm-up − 1.`,
    )
    return { runs: [f], notes }
  },
}

import { join } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { runChild, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { sleep, spread } from '../lib/stats.ts'
import { type Figures, type Scenario, SkipError } from '../lib/types.ts'

const Created = z.object({ id: z.string() })

/** Lateness of each run and first-to-last drift of each schedule, from per-schedule lateness series. */
function precision(prefix: string, series: readonly number[][]): Figures {
  const all = series.flat()
  const drift = series.filter((s) => s.length > 1).map((s) => Math.abs((s.at(-1) ?? 0) - (s[0] ?? 0)))
  return { ...spread(`${prefix} lateness`, all), ...spread(`${prefix} drift`, drift) }
}

/**
 * Per schedule, the lateness (startedAt − dueAt) of each run in due order, read from the stopped
 * server's SQLite file: the job resource does not expose dueAt, and inferring it from the grid
 * goes wrong as soon as a run is more than half a period late or a tick is skipped.
 */
function latenessFromStore(file: string): Map<string, number[]> {
  const db = new Database(file, { readonly: true })
  try {
    const rows = db
      .prepare(
        `SELECT schedule_id AS id, started_at - due_at AS late FROM jobs
         WHERE schedule_id IS NOT NULL AND started_at IS NOT NULL ORDER BY schedule_id, due_at`,
      )
      .all() as { id: string; late: number }[]
    const series = new Map<string, number[]>()
    for (const row of rows) {
      const list = series.get(row.id) ?? []
      list.push(row.late)
      series.set(row.id, list)
    }
    return series
  } finally {
    db.close()
  }
}

export const p5: Scenario = {
  name: 'p5',
  title: 'schedule precision (interval schedules at 1 s)',
  bar: 'lateness p99 ≤ 0.5× the better of setInterval and croner (same run); drift p99 ≤ lateness p99 (nothing accumulates)',
  figures: [
    ...(['jobvisor', 'setInterval', 'croner'] as const).flatMap((who) => [
      { key: `${who} lateness p50`, label: `${who}: lateness p50`, unit: 'ms' },
      { key: `${who} lateness p99`, label: `${who}: lateness p99`, unit: 'ms' },
      { key: `${who} lateness max`, label: `${who}: lateness max`, unit: 'ms' },
      { key: `${who} drift p99`, label: `${who}: |last − first lateness| per schedule, p99`, unit: 'ms' },
      { key: `${who} drift max`, label: `${who}: |last − first lateness| per schedule, max`, unit: 'ms' },
    ]),
    { key: 'jobvisor missed', label: 'jobvisor: runs missing of those due', unit: 'runs' },
    {
      key: 'lateness ratio',
      label: 'jobvisor lateness p99 ÷ the better of setInterval and croner',
      unit: '×',
    },
    { key: 'drift over lateness', label: 'jobvisor drift p99 − lateness p99', unit: 'ms' },
  ],
  checks: [
    {
      label: 'lateness p99 ≤ 0.5× the better of setInterval and croner',
      key: 'lateness ratio',
      op: '<=',
      goal: 0.5,
    },
    {
      label: 'drift p99 ≤ lateness p99 (nothing accumulates)',
      key: 'drift over lateness',
      op: '<=',
      goal: 0,
    },
    { label: 'no run missing', key: 'jobvisor missed', op: '<=', goal: 0 },
  ],
  async run(ctx) {
    const count = ctx.quick ? 20 : 1000
    const seconds = ctx.quick ? 2 : 60
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const server = await startServer({
        env: {
          JOBVISOR_DB: join(ctx.tmp, `p5-${i}.db`),
          JOBVISOR_MAX_CONCURRENCY: String(Math.max(1000, count)),
          JOBVISOR_RETENTION: 'off',
        },
        stdoutFile: join(ctx.tmp, `p5-${i}.log`),
      })
      const client = new HttpClient(server.url, { maxSockets: 8 })
      try {
        const probe = await client.request('GET', '/v1/schedules?limit=1')
        if (probe.status === 404) throw new SkipError('scheduler not available (GET /v1/schedules → 404)')
        // Phases spread evenly over the second (≈ one run per ms at 1,000 schedules); the first
        // runs start once every schedule exists.
        const base = Math.ceil((Date.now() + (ctx.quick ? 1000 : 10_000)) / 1000) * 1000
        const schedules = await Promise.all(
          Array.from({ length: count }, async (_, k) => {
            const startAt = base + Math.floor((k * 1000) / count)
            const reply = await client.json(
              'POST',
              '/v1/schedules',
              {
                name: `bench-${i}-${k}`,
                trigger: { type: 'interval', every: '1s' },
                job: { type: 'noop', params: {} },
                startAt: new Date(startAt).toISOString(),
                endAt: new Date(startAt + (seconds - 1) * 1000 + 500).toISOString(),
              },
              [201],
            )
            return { id: Created.parse(reply.body).id }
          }),
        )
        if (Date.now() > base) throw new Error('creating the schedules took longer than the lead time')
        await sleep(base - Date.now() + seconds * 1000 + (ctx.quick ? 500 : 2000))
        await server.stop()
        const byId = latenessFromStore(join(ctx.tmp, `p5-${i}.db`))
        const series = schedules.map((sch) => byId.get(sch.id) ?? [])
        const missed = series.reduce((n, runs) => n + Math.max(0, seconds - runs.length), 0)
        const reference = await runChild<{ interval: number[][]; cron: number[][] }>('p5-reference.ts', {
          args: [String(count), String(seconds)],
        })
        const f: Figures = {
          ...precision('jobvisor', series),
          ...precision('setInterval', reference.interval),
          ...precision('croner', reference.cron),
          'jobvisor missed': missed,
        }
        const better = Math.min(
          f['setInterval lateness p99'] ?? Number.NaN,
          f['croner lateness p99'] ?? Number.NaN,
        )
        // Stamps have ms resolution: a p99 of 0 is "under 1 ms", so the ratio divides by at least 1.
        f['lateness ratio'] = (f['jobvisor lateness p99'] ?? Number.NaN) / Math.max(better, 1)
        f['drift over lateness'] =
          (f['jobvisor drift p99'] ?? Number.NaN) - (f['jobvisor lateness p99'] ?? Number.NaN)
        ctx.log(
          `run ${i + 1}: lateness p99 jobvisor ${f['jobvisor lateness p99']} / setInterval ${f['setInterval lateness p99']} / croner ${f['croner lateness p99']} ms; missed ${missed}`,
        )
        runs.push(f)
      } finally {
        client.close()
        await server.stop()
      }
    }
    const notes = [
      `${count} schedules \`{ trigger: { type: 'interval', every: '1s' }, job: { type: 'noop' } }\` created over HTTP with \`startAt\` phases spread evenly over one second and \`endAt\` after ${seconds} runs; lateness = run's \`started_at − due_at\` read from the service's SQLite file after it stopped; drift = |lateness of the last run − lateness of the first| per schedule. The references run after it, in one child process together, for the same ${seconds} s: ${count} \`setInterval(fn, 1000)\` with the same phases, and ${count} croner \`new Cron('* * * * * *')\` (all due on the same second boundary). All figures use ms timestamps (Date.now()).`,
    ]
    return { runs, notes }
  },
}

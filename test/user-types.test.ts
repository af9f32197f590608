import { describe, expect, it } from 'vitest'
import { call, type ServerProcess, startServer } from './helpers/server-process.ts'
import { BUILT_SERVER, runNode, userProject } from './helpers/user-project.ts'
import { waitFor } from './helpers/wait-for.ts'

interface JobBody {
  id: string
  state: string
  progress: { percent: number; message?: string } | null
  result: unknown
  cancel: { forced: boolean } | null
}

const jobIn = (server: ServerProcess, id: string, ...states: string[]) =>
  waitFor(
    async () => {
      const { body } = await call<JobBody>(server, 'GET', `/v1/jobs/${id}`)
      return states.includes(body.state) ? body : undefined
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  )

const logLines = async (server: ServerProcess, id: string) =>
  (await call<{ items: { level: string; msg: string }[] }>(server, 'GET', `/v1/jobs/${id}/logs`)).body.items

/** The built server in a user's project, with its types module named by JOBVISOR_TYPES. */
async function serveProject(): Promise<ServerProcess> {
  const cwd = userProject({ 'user-project/types/reports.mjs': 'jobs/reports.mjs' })
  return startServer(
    { JOBVISOR_DB: ':memory:', JOBVISOR_TYPES: './jobs/reports.mjs', JOBVISOR_GRACE_MS: '1000' },
    { args: [BUILT_SERVER], cwd },
  )
}

describe('JOBVISOR_TYPES: a user project’s own types module (SPEC §9)', { timeout: 30_000 }, () => {
  it('is listed beside the built-ins with the JSON Schema of its params', async () => {
    const server = await serveProject()
    const { body } = await call<{ items: { name: string; paramsSchema: Record<string, unknown> }[] }>(
      server,
      'GET',
      '/v1/job-types',
    )
    expect(body.items.map((t) => t.name)).toEqual(['command', 'http', 'noop', 'report.daily', 'sleep'])
    expect(body.items.find((t) => t.name === 'report.daily')).toMatchObject({
      description: 'Builds the daily report, one row at a time',
      isolation: 'none',
      paramsSchema: {
        type: 'object',
        properties: {
          day: { type: 'string', format: 'date', description: 'The day to report on, YYYY-MM-DD' },
          rows: { type: 'integer', minimum: 1, maximum: 1000, default: 3 },
        },
        required: ['day'],
      },
    })
  })

  it('bad params are a 400 naming body.params.<field>', async () => {
    const server = await serveProject()
    const res = await call<{ errors: { path: string }[] }>(server, 'POST', '/v1/jobs', {
      type: 'report.daily',
      params: { day: 'yesterday', rows: 0 },
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(res.body.errors.map((e) => e.path).sort()).toEqual(['body.params.day', 'body.params.rows'])
  })

  it('runs: its log lines, progress and result are the job’s', async () => {
    const server = await serveProject()
    const created = await call<JobBody>(server, 'POST', '/v1/jobs', {
      type: 'report.daily',
      params: { day: '2026-01-31', rows: 4 },
    })
    expect(created.status).toBe(201)
    const done = await jobIn(server, created.body.id, 'succeeded', 'failed')
    expect(done).toMatchObject({
      state: 'succeeded',
      result: { day: '2026-01-31', rows: 4 },
      progress: { percent: 100, message: 'row 4 of 4' },
    })
    expect(await logLines(server, done.id)).toMatchObject([
      { level: 'info', msg: 'report started {"day":"2026-01-31","rows":4}' },
    ])
  })

  it('a cancel reaches it: the CancelledError it sees is jobvisor’s own class, and its cleanup runs', async () => {
    const server = await serveProject()
    const created = await call<JobBody>(server, 'POST', '/v1/jobs', {
      type: 'report.daily',
      params: { day: '2026-01-31', rows: 1000, rowMs: 60_000 },
    })
    await jobIn(server, created.body.id, 'running')
    expect((await call(server, 'POST', `/v1/jobs/${created.body.id}/cancel`, {})).status).toBe(202)
    const done = await jobIn(server, created.body.id, 'cancelled')
    expect(done.cancel).toMatchObject({ forced: false })
    expect((await logLines(server, done.id)).map((l) => [l.level, l.msg])).toEqual([
      ['info', 'report started {"day":"2026-01-31","rows":1000}'],
      // `err instanceof CancelledError` held in the user's module: one jobvisor, not two copies.
      ['warn', 'report interrupted; cleaning up {"cancelled":true}'],
    ])
  })
})

describe('JOBVISOR_TYPES: a bad module stops the start with exit code 2, naming it and why', () => {
  const start = (types: string) => {
    const cwd = userProject({ 'bad-types': 'bad', 'user-project/types': 'types' })
    return runNode([BUILT_SERVER], cwd, {
      JOBVISOR_DB: ':memory:',
      JOBVISOR_PORT: '0',
      JOBVISOR_TYPES: types,
    })
  }

  it.each([
    ['./bad/throws.mjs', /\.\/bad\/throws\.mjs: failed to import: the database URL is not set/],
    ['./bad/missing.mjs', /\.\/bad\/missing\.mjs: no such file or directory/],
    ['./bad/no-default.mjs', /\.\/bad\/no-default\.mjs: has no default export/],
    [
      './bad/not-a-type.mjs',
      /\.\/bad\/not-a-type\.mjs: exports no valid job type: default\[0\]\.params: expected a zod schema made with the `z` exported by 'jobvisor'; default\[0\]\.run: expected a function/,
    ],
    [
      './bad/reuses-sleep.mjs',
      /\.\/bad\/reuses-sleep\.mjs: reuses the job type name "sleep" of jobvisor's built-in types/,
    ],
    [
      './types,./bad/report-again.mjs',
      /\.\/bad\/report-again\.mjs: reuses the job type name "report\.daily" of types\/reports\.mjs/,
    ],
  ])('%s', { timeout: 30_000 }, async (types, reason) => {
    const exit = await start(types)
    expect(exit.stderr).toMatch(new RegExp(`^jobvisor: JOBVISOR_TYPES: ${reason.source}`, 'm'))
    expect(exit.code).toBe(2)
  })

  it('an empty directory', { timeout: 30_000 }, async () => {
    const cwd = userProject({ 'bad-types': 'bad' })
    const exit = await runNode([BUILT_SERVER], cwd, {
      JOBVISOR_DB: ':memory:',
      JOBVISOR_TYPES: './node_modules/jobvisor/openapi',
    })
    expect(exit.stderr).toContain('./node_modules/jobvisor/openapi: directory holds no .js or .mjs module')
    expect(exit.code).toBe(2)
  })
})

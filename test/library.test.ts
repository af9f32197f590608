import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createJobvisor, defineJobType, z } from '../src/index.ts'
import { call, exitWithin, startServer } from './helpers/server-process.ts'
import { ROOT, userProject } from './helpers/user-project.ts'
import { waitFor } from './helpers/wait-for.ts'

describe('createJobvisor (SPEC §9)', () => {
  it('in a program of its own: starts, serves its types, stops on SIGTERM with exit 0', {
    timeout: 40_000,
  }, async () => {
    const cwd = userProject({ [join(ROOT, 'examples')]: 'examples' })
    const server = await startServer(
      { JOBVISOR_DB: ':memory:', JOBVISOR_SHUTDOWN_GRACE_MS: '2000' },
      { args: ['examples/embed.mjs'], cwd },
    )
    const types = await call<{ items: { name: string; isolation: string }[] }>(server, 'GET', '/v1/job-types')
    expect(types.body.items.filter((t) => t.name.startsWith('example.'))).toMatchObject([
      { name: 'example.greet', isolation: 'none' },
      { name: 'example.hash', isolation: 'worker' },
    ])
    const greet = await call<{ id: string }>(server, 'POST', '/v1/jobs', {
      type: 'example.greet',
      params: { name: 'Ada', delayMs: 0 },
    })
    const hash = await call<{ id: string }>(server, 'POST', '/v1/jobs', {
      type: 'example.hash',
      params: { sizeMiB: 1, rounds: 3 },
    })
    const waited = await call<{ done: { type: string; state: string; result: Record<string, unknown> }[] }>(
      server,
      'POST',
      '/v1/jobs/wait',
      { ids: [greet.body.id, hash.body.id], timeoutMs: 20_000 },
    )
    expect(waited.body.done).toMatchObject([
      { type: 'example.greet', state: 'succeeded', result: { greeting: 'Hello, Ada!' } },
      { type: 'example.hash', state: 'succeeded', result: { sizeMiB: 1, rounds: 3, stopped: false } },
    ])
    // A sleep still running when the signal comes: the stop drains it like the server does.
    const sleeping = await call<{ id: string }>(server, 'POST', '/v1/jobs', {
      type: 'sleep',
      params: { ms: 60_000 },
    })
    expect(sleeping.status).toBe(201)
    server.child.kill('SIGTERM')
    expect(await exitWithin(server, 15_000)).toEqual({ code: 0, signal: null })
  })

  it('rejects a bad option, a bad variable and a worker type passed as an object, naming each', async () => {
    await expect(createJobvisor({ env: { JOBVISOR_PORT: 'eighty' } })).rejects.toThrow(/JOBVISOR_PORT/)
    await expect(createJobvisor({ env: { JOBVISOR_WORKERS: '0' } })).rejects.toThrow(/JOBVISOR_WORKERS/)
    // @ts-expect-error a misspelt option is refused, not ignored
    await expect(createJobvisor({ type: [] })).rejects.toThrow(/createJobvisor: invalid options: .*type/)
    const inline = defineJobType({
      name: 'inline.cpu',
      description: 'cannot be imported by a worker',
      isolation: 'worker',
      params: z.object({}),
      run: async () => null,
    })
    await expect(createJobvisor({ types: [inline], env: { JOBVISOR_DB: ':memory:' } })).rejects.toThrow(
      /types\[0\] \(inline\.cpu\): job type "inline\.cpu" has isolation 'worker' but was passed as an object/,
    )
  })

  it('adds an object type to the built-ins; app.inject works before start; stop closes it', async () => {
    const jobvisor = await createJobvisor({
      types: [
        defineJobType({
          name: 'double',
          description: 'Doubles n',
          params: z.object({ n: z.number() }),
          run: async ({ n }) => ({ doubled: n * 2 }),
        }),
      ],
      env: { JOBVISOR_DB: ':memory:', JOBVISOR_LOG_LEVEL: 'silent' },
    })
    try {
      const created = await jobvisor.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'double', params: { n: 21 } },
      })
      expect(created.statusCode).toBe(201)
      const waited = await jobvisor.app.inject({
        method: 'POST',
        url: '/v1/jobs/wait',
        payload: { ids: [created.json().id], timeoutMs: 5000 },
      })
      expect(waited.json().done[0]).toMatchObject({ state: 'succeeded', result: { doubled: 42 } })
      const bad = await jobvisor.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'double', params: { n: 'x' } },
      })
      expect(bad.json().errors).toEqual([expect.objectContaining({ path: 'body.params.n' })])
    } finally {
      await jobvisor.stop()
    }
    await waitFor(() => jobvisor.app.server.listening === false)
  })
})

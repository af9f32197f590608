import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineJobType } from '../../src/jobs/define.ts'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

describe('finishedAt (SPEC §3)', () => {
  it('is when the attempt ended, not when its record was written', async () => {
    const { request, store, registry } = await buildTestApp()
    let returnedAt: number | undefined
    registry.register(
      defineJobType({
        name: 'logs-three',
        description: 'Logs three lines, then returns',
        params: z.object({}),
        async run(_params, ctx) {
          for (const n of [1, 2, 3]) ctx.log.info(`line ${n}`)
          returnedAt = Date.now()
          return null
        },
      }),
    )
    // A store whose log writes wait until the test lets them through.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const appendLogs = store.jobs.appendLogs.bind(store.jobs)
    store.jobs.appendLogs = async (lines, max) => {
      await held
      return appendLogs(lines, max)
    }
    const job = (await request.post('/v1/jobs').send({ type: 'logs-three' }).expect(201)).body
    // The attempt has ended; its log lines (and so its complete record) are not written yet, and
    // time moves past that end before they are.
    const ended = await waitFor(() => returnedAt)
    await waitFor(() => Date.now() > ended + 1)
    const releasedAt = Date.now()
    release()
    const done = await jobInState(request, job.id, 'succeeded')
    expect(Date.parse(done.finishedAt)).toBeLessThan(releasedAt)
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt))
    const logs = await waitFor(async () => {
      const body = (await request.get(`/v1/jobs/${job.id}/logs`)).body
      return body.items?.length === 3 && body.items
    })
    expect(logs.map((l: { msg: string }) => l.msg)).toEqual(['line 1', 'line 2', 'line 3'])
  })
})

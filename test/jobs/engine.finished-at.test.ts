import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

describe('finishedAt (SPEC §3)', () => {
  it('is when the attempt ended, not when its record was written', async () => {
    const { request, store } = await buildTestApp()
    // A slow store: the job's last log lines take 300 ms to write.
    const appendLogs = store.jobs.appendLogs.bind(store.jobs)
    store.jobs.appendLogs = async (lines, max) => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      return appendLogs(lines, max)
    }
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'chatty', params: { lines: 3 } })
        .expect(201)
    ).body
    const done = await jobInState(request, job.id, 'succeeded')
    expect(Date.parse(done.finishedAt) - Date.parse(done.startedAt)).toBeLessThan(150)
    const logs = await waitFor(async () => {
      const body = (await request.get(`/v1/jobs/${job.id}/logs`)).body
      return body.items?.length === 3 && body.items
    })
    expect(logs.map((l: { msg: string }) => l.msg)).toEqual(['line 1', 'line 2', 'line 3'])
  })
})

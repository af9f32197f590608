import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState } from '../helpers/wait-for.ts'

describe('GET /v1/instances (SPEC §10)', () => {
  it('with SQLite lists this one process; a job names the instance that ran it', async () => {
    const t = await buildTestApp({ JOBVISOR_INSTANCE_ID: 'worker-a' })
    const { body } = await t.request.get('/v1/instances').expect(200)
    expect(body.items).toEqual([
      {
        id: 'worker-a',
        startedAt: expect.any(String),
        lastSeenAt: expect.any(String),
        running: 0,
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      },
    ])
    const created = (await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    expect(created).toMatchObject({ instance: null, dueAt: null }) // as created: not run yet
    expect(await jobInState(t.request, created.id, 'succeeded')).toMatchObject({ instance: 'worker-a' })
  })

  it('a default instance id names the host and the process', async () => {
    const t = await buildTestApp()
    expect(t.service.instance).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{6}$`))
    const { body } = await t.request.get('/v1/instances').expect(200)
    expect(body.items.map((i: { id: string }) => i.id)).toEqual([t.service.instance])
  })
})

import { getHeapSnapshot } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState } from '../helpers/wait-for.ts'

/** Live objects named `name` in this process's heap (a snapshot collects garbage first). */
async function liveObjects(name: string): Promise<number> {
  const chunks: Buffer[] = []
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer)
  const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    snapshot: { meta: { node_fields: string[] } }
    nodes: number[]
    strings: string[]
  }
  const fields = snapshot.snapshot.meta.node_fields
  const stride = fields.length
  const at = fields.indexOf('name')
  let count = 0
  for (let i = at; i < snapshot.nodes.length; i += stride) {
    if (snapshot.strings[snapshot.nodes[i] as number] === name) count++
  }
  return count
}

describe('POST /v1/jobs/wait keeps nothing per answered wait', () => {
  it('1,000 waits leave no WeakRef behind (AbortSignal.any with a long-lived signal left one each)', {
    timeout: 60_000,
  }, async () => {
    const { app, request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    await jobInState(request, job.id, 'succeeded')
    const wait = () =>
      app.inject({ method: 'POST', url: '/v1/jobs/wait', payload: { ids: [job.id], timeoutMs: 0 } })
    await wait()
    const before = await liveObjects('WeakRef')
    for (let i = 0; i < 1000; i += 50) {
      const replies = await Promise.all(Array.from({ length: 50 }, wait))
      for (const reply of replies) expect(reply.statusCode).toBe(200)
    }
    expect((await liveObjects('WeakRef')) - before).toBeLessThan(100)
  })
})

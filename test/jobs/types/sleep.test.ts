import { describe, expect, it } from 'vitest'
import { TimeoutError } from '../../../src/jobs/errors.ts'
import { sleep } from '../../../src/jobs/types/sleep.ts'
import { createFakeContext } from '../../helpers/fake-context.ts'

describe('sleep', () => {
  it.each([
    [{ ms: 0 }, true],
    [{ ms: 86_400_000 }, true],
    [{ ms: 86_400_001 }, false],
    [{ ms: -1 }, false],
    [{ ms: 1.5 }, false],
    [{ ms: '10' }, false],
    [{}, false],
  ])('params %j valid: %s', (params, valid) => {
    expect(sleep.params.safeParse(params).success).toBe(valid)
  })

  it('returns how long it slept', async () => {
    const fake = createFakeContext()
    await expect(sleep.run({ ms: 5 }, fake.ctx)).resolves.toEqual({ sleptMs: 5 })
  })

  it("rejects with the signal's reason when aborted mid-sleep", async () => {
    const fake = createFakeContext()
    const reason = new TimeoutError('job-test', 50)
    const running = sleep.run({ ms: 60_000 }, fake.ctx)
    fake.abort(reason)
    await expect(running).rejects.toBe(reason)
  })
})

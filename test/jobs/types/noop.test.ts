import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { noop } from '../../../src/jobs/types/noop.ts'
import { createFakeContext } from '../../helpers/fake-context.ts'

describe('noop', () => {
  it('accepts only an empty object', () => {
    expect(noop.params.safeParse({}).success).toBe(true)
    expect(noop.params.safeParse({ ms: 1 }).success).toBe(false)
    expect(noop.params.safeParse(null).success).toBe(false)
  })

  it('returns null at once and touches nothing', async () => {
    const fake = createFakeContext()
    await expect(noop.run(noop.params.parse({}), fake.ctx)).resolves.toBeNull()
    expect(fake.lines).toEqual([])
    expect(getEventListeners(fake.ctx.signal, 'abort')).toHaveLength(0)
  })
})

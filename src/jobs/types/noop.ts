import { z } from 'zod'
import { defineJobType } from '../define.ts'

/** Returns at once with `null`; the unit of work the throughput benchmarks measure (QUALITY P1, P2). */
export const noop = defineJobType({
  name: 'noop',
  description: 'Does nothing and succeeds at once; for benchmarks and smoke tests',
  // Strict: an empty object is the only valid params, so a typo'd field is a 400, not silently ignored.
  params: z.strictObject({}).describe('No parameters; pass {}'),
  async run(): Promise<null> {
    return null
  },
})

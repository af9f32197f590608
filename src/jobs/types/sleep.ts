import { z } from 'zod'
import { defineJobType } from '../define.ts'

/** SPEC §7: waits `ms`, then returns `{ sleptMs }`; cancel and timeout interrupt the wait. */
export const sleep = defineJobType({
  name: 'sleep',
  description: 'Waits, then returns; for trying the service out',
  params: z.object({
    // 86_400_000 ms = one day: longer waits belong to a delayed job (`runAt`), not a held slot.
    ms: z.number().int().min(0).max(86_400_000).describe('How long to wait, in milliseconds (0 to one day)'),
  }),
  async run({ ms }, ctx) {
    try {
      await ctx.sleep(ms) // rejects with ctx.signal.reason on cancel/timeout
    } catch (err) {
      // asyncio's `except CancelledError:` moment: a real handler releases what it holds here.
      // Logged so that a client can see the cleanup ran (GET /v1/jobs/{id}/logs).
      ctx.log.info(
        { reason: err instanceof Error ? err.name : String(err) },
        'sleep interrupted; cleaning up',
      )
      throw err
    }
    return { sleptMs: ms }
  },
})

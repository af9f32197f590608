import { z } from 'zod'

export const Backoff = z.object({
  type: z.enum(['fixed', 'exponential']).default('fixed'),
  delayMs: z.number().int().min(0).max(86_400_000).default(1000),
  maxDelayMs: z.number().int().min(0).max(86_400_000).optional(),
})
export type Backoff = z.infer<typeof Backoff>

export const RetryPolicy = z
  .object({
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(1)
      .describe('Total runs allowed, counting the first'),
    backoff: Backoff.optional(),
  })
  .describe('SPEC §3 Retries. Failed and timed-out runs are retried; cancelled ones never are')
export type RetryPolicy = z.infer<typeof RetryPolicy>

/** Delay before attempt `nextAttempt` (≥ 2). Exponential doubles from `delayMs`: 1×, 2×, 4×, … */
export function retryDelayMs(policy: RetryPolicy, nextAttempt: number): number {
  const backoff = policy.backoff
  if (!backoff) return 0
  const raw =
    backoff.type === 'exponential' ? backoff.delayMs * 2 ** Math.max(0, nextAttempt - 2) : backoff.delayMs
  return Math.min(raw, backoff.maxDelayMs ?? Number.MAX_SAFE_INTEGER)
}

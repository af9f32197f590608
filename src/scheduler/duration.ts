import { z } from 'zod'

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const

/**
 * Units in descending order, each at most once, so "1h30m" reads one way only; `m(?!s)` keeps
 * "250ms" from being read as 250 minutes followed by a stray "s".
 */
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/

/** Shown wherever a duration string is rejected (schema issues and config errors). */
export const DURATION_HINT = 'expected a duration such as 250ms, 2s, 5m, 1h, 1d or 1h30m'

/**
 * Milliseconds in a duration string ("250ms", "2s", "5m", "1h", "7d", compound "1h30m"),
 * or null when it is malformed, zero, or beyond Number.MAX_SAFE_INTEGER ms.
 * No bounds beyond that: callers apply their own (the interval trigger's 10 ms minimum, say).
 */
export function parseDuration(text: string): number | null {
  const match = DURATION_RE.exec(text)
  if (match === null || text === '') return null
  const [, d, h, m, s, ms] = match
  let total = 0
  for (const [digits, unit] of [
    [d, UNIT_MS.d],
    [h, UNIT_MS.h],
    [m, UNIT_MS.m],
    [s, UNIT_MS.s],
    [ms, UNIT_MS.ms],
  ] as const) {
    if (digits !== undefined) total += Number(digits) * unit
  }
  return total >= 1 && Number.isSafeInteger(total) ? total : null
}

/** A duration string on input, whole milliseconds (≥ 1) on output. */
export const Duration = z
  .string()
  .regex(/^(?:\d+(?:d|h|m|s|ms))+$/, { message: DURATION_HINT })
  .transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `${DURATION_HINT}; units largest first, total at least 1ms` })
      return z.NEVER
    }
    return ms
  })
  .describe('Duration: digits plus unit ms, s, m, h or d; units may be combined largest first ("1h30m")')
export type Duration = z.infer<typeof Duration>

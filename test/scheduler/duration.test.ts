import { describe, expect, it } from 'vitest'
import { DURATION_HINT, Duration, parseDuration } from '../../src/scheduler/duration.ts'

describe('parseDuration', () => {
  it.each([
    ['1ms', 1],
    ['250ms', 250],
    ['2s', 2000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['90s', 90_000],
    ['0m10s', 10_000],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each([
    '',
    '0s',
    '0ms',
    '10',
    '1.5s',
    '-1s',
    '2 s',
    ' 2s',
    '2S',
    '1w',
    'ms',
    '30m1h',
    '1s1s',
    '5sm',
    '99999999999999999d',
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull()
  })
})

describe('Duration schema', () => {
  it('outputs milliseconds', () => {
    expect(Duration.parse('2s')).toBe(2000)
  })

  it.each(['fast', '0s', '30m1h', ''])('explains what it expected for %j', (text) => {
    const result = Duration.safeParse(text)
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toContain(DURATION_HINT)
  })

  it('rejects numbers (they go through everyMs)', () => {
    expect(Duration.safeParse(2000).success).toBe(false)
  })
})

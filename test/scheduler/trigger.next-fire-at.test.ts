import { describe, expect, it } from 'vitest'
import { cronNextRuns, cronPreviousRuns, nextFireAt, Trigger } from '../../src/scheduler/trigger.ts'

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const HOUR = 3_600_000

describe('nextFireAt: interval fixed-rate', () => {
  const every = 2000
  const anchor = at('2026-01-01T00:00:00Z')
  const trigger = Trigger.parse({ type: 'interval', everyMs: every })

  it('stays on anchor + n·every after 10,000 late ticks (no drift)', () => {
    let due = anchor
    const offGrid: number[] = []
    for (let n = 1; n <= 10_000; n++) {
      // Each run ends somewhere inside the next period, as a slow run or late timer would.
      const lateness = (n * 7919) % every
      due = nextFireAt(trigger, { after: due + lateness, anchor }) ?? Number.NaN
      if (due !== anchor + n * every) offGrid.push(n)
    }
    expect(offGrid).toEqual([])
    expect(due).toBe(anchor + 10_000 * every)
  })

  it.each([
    ['before the anchor', -5000, 0],
    ['on the anchor', 0, 1],
    ['a slow run ending at 3.7·every', 3.7 * every, 4],
    ['exactly on a grid point (strictly after)', 4 * every, 5],
    ['one ms after a grid point', 4 * every + 1, 5],
    ['far out', 1e9 * every + 1, 1e9 + 1],
  ])('after %s', (_name, offset, n) => {
    expect(nextFireAt(trigger, { after: anchor + offset, anchor })).toBe(anchor + n * every)
  })
})

describe('nextFireAt: interval fixed-delay', () => {
  const trigger = Trigger.parse({ type: 'interval', every: '2s', mode: 'fixed-delay' })

  it('waits `every` after each run ends, whatever the run took', () => {
    const anchor = at('2026-01-01T00:00:00Z')
    let start = anchor
    for (const runMs of [0, 150, 5000, 1999, 42]) {
      const end = start + runMs
      const next = nextFireAt(trigger, { after: end, anchor }) ?? Number.NaN
      expect(next - end).toBe(2000)
      start = next
    }
  })
})

describe('nextFireAt: cron', () => {
  const cron = (expression: string, timezone = 'UTC') => Trigger.parse({ type: 'cron', expression, timezone })
  const next = (expression: string, after: string, timezone?: string) =>
    iso(nextFireAt(cron(expression, timezone), { after: at(after), anchor: 0 }))

  it.each([
    ['*/5 * * * *', '2026-01-01T00:02:30Z', '2026-01-01T00:05:00.000Z'],
    ['*/5 * * * *', '2026-01-01T00:04:59.999Z', '2026-01-01T00:05:00.000Z'],
    ['*/5 * * * *', '2026-01-01T00:05:00Z', '2026-01-01T00:10:00.000Z'],
    ['*/10 * * * * *', '2026-01-01T00:00:05.500Z', '2026-01-01T00:00:10.000Z'],
    ['*/10 * * * * *', '2026-01-01T00:00:10Z', '2026-01-01T00:00:20.000Z'],
    ['0 0 1 * *', '2026-01-31T12:00:00Z', '2026-02-01T00:00:00.000Z'],
    ['0 0 29 2 *', '2026-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['@hourly', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00.000Z'],
  ])('%s after %s → %s (UTC)', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected)
  })

  it('reads the expression in its time zone (CET in winter, CEST in summer)', () => {
    expect(next('0 9 * * *', '2026-01-10T00:00:00Z', 'Europe/Berlin')).toBe('2026-01-10T08:00:00.000Z')
    expect(next('0 9 * * *', '2026-07-10T00:00:00Z', 'Europe/Berlin')).toBe('2026-07-10T07:00:00.000Z')
    expect(next('0 9 * * *', '2026-07-10T00:00:00Z', 'America/New_York')).toBe('2026-07-10T13:00:00.000Z')
  })

  // Europe/Berlin, 2026-03-29: at 02:00 CET clocks jump to 03:00 CEST; 02:30 does not exist.
  it('spring forward: a fixed-time job in the gap runs once, at the first valid time after it', () => {
    const runs = cronNextRuns('30 2 * * *', 'Europe/Berlin', at('2026-03-28T00:00:00Z'), 3).map(iso)
    expect(runs).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: croner (Vixie cron rules) runs it right after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ])
  })

  it('spring forward: hourly runs 23 times that local day, one real hour apart', () => {
    const dayStart = at('2026-03-28T23:00:00Z') // 00:00 CET
    const dayEnd = at('2026-03-29T22:00:00Z') // 00:00 CEST next day
    const runs = cronNextRuns('0 * * * *', 'Europe/Berlin', dayStart - 1, 30).filter((t) => t < dayEnd)
    expect(runs).toHaveLength(23)
    for (let i = 1; i < runs.length; i++) expect((runs[i] ?? 0) - (runs[i - 1] ?? 0)).toBe(HOUR)
  })

  // Europe/Berlin, 2026-10-25: at 03:00 CEST clocks go back to 02:00 CET; 02:30 occurs twice.
  it('fall back: a fixed-time job at the repeated time runs once, at the first occurrence', () => {
    const runs = cronNextRuns('30 2 * * *', 'Europe/Berlin', at('2026-10-24T00:00:00Z'), 3).map(iso)
    expect(runs).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, first occurrence; not again at 01:30Z (02:30 CET)
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ])
  })

  it('fall back: hourly runs 25 times that local day, one real hour apart', () => {
    const dayStart = at('2026-10-24T22:00:00Z') // 00:00 CEST
    const dayEnd = at('2026-10-25T23:00:00Z') // 00:00 CET next day
    const runs = cronNextRuns('0 * * * *', 'Europe/Berlin', dayStart - 1, 30).filter((t) => t < dayEnd)
    expect(runs).toHaveLength(25)
    for (let i = 1; i < runs.length; i++) expect((runs[i] ?? 0) - (runs[i - 1] ?? 0)).toBe(HOUR)
  })

  it.each(['30 2 * * *', '0 * * * *', '30 * * * *', '*/15 * * * *', '0 30 1,2 * * *'])(
    'previous runs mirror next runs across both DST changes (%s)',
    (expression) => {
      for (const [from, to] of [
        ['2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z'],
        ['2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z'],
      ] as const) {
        const forward = cronNextRuns(expression, 'Europe/Berlin', at(from) - 1, 500).filter(
          (t) => t <= at(to),
        )
        const backward = cronPreviousRuns(expression, 'Europe/Berlin', at(to), 500).filter(
          (t) => t >= at(from),
        )
        expect(backward.map(iso)).toEqual(forward.map(iso))
      }
    },
  )
})

describe('nextFireAt: daemon', () => {
  it('has no ticks', () => {
    expect(nextFireAt(Trigger.parse({ type: 'daemon' }), { after: 0, anchor: 0 })).toBeNull()
  })
})

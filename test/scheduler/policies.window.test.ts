import { describe, expect, it } from 'vitest'
import { anchorOf, firstDue, isWithinWindow, jitteredDue, nextDue } from '../../src/scheduler/policies.ts'
import { Trigger } from '../../src/scheduler/trigger.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const rate = Trigger.parse({ type: 'interval', every: '2s' })
const delay = Trigger.parse({ type: 'interval', every: '2s', mode: 'fixed-delay' })
const cron = Trigger.parse({ type: 'cron', expression: '*/10 * * * * *' })
const daemon = Trigger.parse({ type: 'daemon' })

describe('firstDue', () => {
  it.each([
    ['fixed-rate without startAt: one period after creation', rate, null, T0 + 2000],
    ['fixed-rate with startAt: startAt itself', rate, T0 + 5000, T0 + 5000],
    ['fixed-rate with a past startAt: first grid point from creation', rate, T0 - 3000, T0 + 1000],
    ['fixed-delay without startAt', delay, null, T0 + 2000],
    ['fixed-delay with startAt', delay, T0 + 5000, T0 + 5000],
    ['cron without startAt: strictly after creation', cron, null, T0 + 10_000],
    ['cron with startAt on a match: startAt itself', cron, T0 + 20_000, T0 + 20_000],
    ['cron with startAt between matches', cron, T0 + 21_000, T0 + 30_000],
    ['daemon: at once', daemon, null, T0],
    ['daemon with startAt', daemon, T0 + 5000, T0 + 5000],
  ])('%s', (_name, trigger, startAt, expected) => {
    expect(firstDue(trigger, { createdAt: T0, startAt })).toBe(expected)
  })

  it('is null when the window is already closed', () => {
    expect(firstDue(rate, { createdAt: T0, endAt: T0 + 1999 })).toBeNull()
    expect(firstDue(rate, { createdAt: T0, endAt: T0 + 2000 })).toBe(T0 + 2000)
    expect(firstDue(rate, { createdAt: T0, remainingRuns: 0 })).toBeNull()
  })

  it('anchors fixed-rate at startAt, else at creation', () => {
    expect(anchorOf({ createdAt: T0, startAt: T0 + 5000 })).toBe(T0 + 5000)
    expect(anchorOf({ createdAt: T0, startAt: null })).toBe(T0)
  })
})

describe('nextDue and the window', () => {
  it('allows a fire exactly at endAt, none after', () => {
    expect(isWithinWindow(T0, { endAt: T0 })).toBe(true)
    expect(isWithinWindow(T0 + 1, { endAt: T0 })).toBe(false)
    expect(nextDue(rate, { after: T0, anchor: T0, endAt: T0 + 2000 })).toBe(T0 + 2000)
    expect(nextDue(rate, { after: T0 + 2000, anchor: T0, endAt: T0 + 3999 })).toBeNull()
  })

  it('finishes after maxRuns: no tick once the runs left reach 0', () => {
    const maxRuns = 3
    const fired: number[] = []
    let due = firstDue(rate, { createdAt: T0, remainingRuns: maxRuns })
    while (due !== null && fired.length < 10) {
      fired.push(due)
      due = nextDue(rate, { after: due, anchor: T0, remainingRuns: maxRuns - fired.length })
    }
    expect(fired).toEqual([T0 + 2000, T0 + 4000, T0 + 6000])
  })
})

describe('jitteredDue', () => {
  it.each([
    [0, 0],
    [0.5, 500],
    [0.999, 999],
    [0.9999999, 999],
    [1, 999], // a faulty random() still stays below due + jitter
  ])('random()=%d → due + %i', (r, offset) => {
    expect(jitteredDue(T0, 1000, () => r)).toBe(T0 + offset)
  })

  it('stays in [due, due + jitter) and ignores random when jitter is 0', () => {
    for (let i = 0; i < 1000; i++) {
      const t = jitteredDue(T0, 250, () => i / 1000)
      expect(t).toBeGreaterThanOrEqual(T0)
      expect(t).toBeLessThan(T0 + 250)
    }
    expect(jitteredDue(T0, 0, () => 0.9)).toBe(T0)
  })
})

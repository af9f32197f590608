import { describe, expect, it } from 'vitest'
import { CatchUp } from '../../src/model/policies.ts'
import {
  applyCatchUp,
  MAX_CATCH_UP,
  missedTicks,
  ON_TIME_TOLERANCE_MS,
  planCatchUp,
} from '../../src/scheduler/policies.ts'
import { Trigger } from '../../src/scheduler/trigger.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const MIN = 60_000
const everyMinute = Trigger.parse({ type: 'interval', every: '1m' })
const cronEveryMinute = Trigger.parse({ type: 'cron', expression: '* * * * *' })
const minutes = (...ns: number[]) => ns.map((n) => T0 + n * MIN)

describe('missedTicks', () => {
  it.each([
    ['interval', everyMinute],
    ['cron', cronEveryMinute],
  ])('%s: lists the due times in [nextDueAt, now], stored due included', (_name, trigger) => {
    const q = { nextDueAt: T0 + MIN, now: T0 + 5 * MIN + 30_000, anchor: T0 }
    expect(missedTicks(trigger, q)).toEqual(minutes(1, 2, 3, 4, 5))
  })

  it.each([
    ['interval', everyMinute],
    ['cron', cronEveryMinute],
  ])('%s: keeps only the most recent MAX_CATCH_UP after a week down', (_name, trigger) => {
    const dues = missedTicks(trigger, { nextDueAt: T0 + MIN, now: T0 + 7 * 24 * 60 * MIN, anchor: T0 })
    expect(dues).toHaveLength(MAX_CATCH_UP)
    expect(dues.at(-1)).toBe(T0 + 7 * 24 * 60 * MIN)
    expect(dues[0]).toBe(T0 + (7 * 24 * 60 - MAX_CATCH_UP + 1) * MIN)
  })

  it('is cheap on a 10 ms grid after a year down', () => {
    const fast = Trigger.parse({ type: 'interval', everyMs: 10 })
    const year = 365 * 24 * 60 * MIN
    expect(missedTicks(fast, { nextDueAt: T0 + 10, now: T0 + year, anchor: T0 })).toHaveLength(MAX_CATCH_UP)
  })

  it('stops at endAt (inclusive) and at the runs left', () => {
    const q = { nextDueAt: T0 + MIN, now: T0 + 10 * MIN, anchor: T0 }
    expect(missedTicks(everyMinute, { ...q, endAt: T0 + 3 * MIN })).toEqual(minutes(1, 2, 3))
    expect(missedTicks(everyMinute, { ...q, remainingRuns: 2 })).toEqual(minutes(9, 10))
    expect(missedTicks(everyMinute, { ...q, remainingRuns: 0 })).toEqual([])
    expect(missedTicks(everyMinute, { ...q, endAt: T0 })).toEqual([])
  })

  it('fixed-delay has no grid: only the stored due; a daemon has none', () => {
    const delay = Trigger.parse({ type: 'interval', every: '1m', mode: 'fixed-delay' })
    const q = { nextDueAt: T0 + 90_000, now: T0 + 10 * MIN, anchor: T0 }
    expect(missedTicks(delay, q)).toEqual([T0 + 90_000])
    expect(missedTicks(Trigger.parse({ type: 'daemon' }), q)).toEqual([])
  })

  it('is empty while the stored due is in the future', () => {
    expect(missedTicks(everyMinute, { nextDueAt: T0 + MIN, now: T0 + MIN - 1, anchor: T0 })).toEqual([])
  })
})

describe('applyCatchUp', () => {
  const dues = minutes(1, 2, 3, 4, 5)

  it.each<[CatchUp, number, number[]]>([
    // Woken well after the last due: these are missed ticks.
    ['skip', T0 + 5 * MIN + 30_000, []],
    ['once', T0 + 5 * MIN + 30_000, minutes(5)],
    ['all', T0 + 5 * MIN + 30_000, minutes(1, 2, 3, 4, 5)],
    // Woken just after the last due: that one is this tick, and fires under every policy.
    ['skip', T0 + 5 * MIN + ON_TIME_TOLERANCE_MS, minutes(5)],
    ['once', T0 + 5 * MIN + 3, minutes(5)],
    ['all', T0 + 5 * MIN + 3, minutes(1, 2, 3, 4, 5)],
  ])('%s at now=T0+%i', (policy, now, expected) => {
    expect(applyCatchUp(policy, dues, { now })).toEqual(expected)
  })

  it('fires nothing for no dues, and at most MAX_CATCH_UP', () => {
    expect(applyCatchUp('all', [], { now: T0 })).toEqual([])
    const many = Array.from({ length: 250 }, (_, i) => T0 + i)
    expect(applyCatchUp('all', many, { now: T0 + 250 })).toHaveLength(MAX_CATCH_UP)
  })

  it('defaults to skip', () => {
    expect(CatchUp.parse(undefined)).toBe('skip')
  })
})

describe('planCatchUp', () => {
  const downUntil = T0 + 5 * MIN + 30_000

  it.each<[CatchUp, number[], number[]]>([
    ['skip', [], minutes(1, 2, 3, 4, 5)],
    ['once', minutes(5), minutes(1, 2, 3, 4)],
    ['all', minutes(1, 2, 3, 4, 5), []],
  ])('%s after an outage: fires %j, next due is in the future and on the grid', (policy, fire, missed) => {
    const plan = planCatchUp(everyMinute, policy, { nextDueAt: T0 + MIN, now: downUntil, anchor: T0 })
    expect(plan).toEqual({ fire, missed, nextDueAt: T0 + 6 * MIN })
  })

  it('cron: next due after catch-up is the next cron time after now', () => {
    const plan = planCatchUp(cronEveryMinute, 'once', { nextDueAt: T0 + MIN, now: downUntil, anchor: 0 })
    expect(plan.nextDueAt).toBe(T0 + 6 * MIN)
  })

  it('fixed-delay: resumes `every` after now when nothing fires', () => {
    const delay = Trigger.parse({ type: 'interval', every: '1m', mode: 'fixed-delay' })
    const plan = planCatchUp(delay, 'skip', { nextDueAt: T0 + MIN, now: downUntil, anchor: T0 })
    expect(plan).toEqual({ fire: [], missed: [T0 + MIN], nextDueAt: downUntil + MIN })
  })

  it('keeps a future stored due as it is', () => {
    const plan = planCatchUp(everyMinute, 'all', { nextDueAt: T0 + MIN, now: T0 + 1, anchor: T0 })
    expect(plan).toEqual({ fire: [], missed: [], nextDueAt: T0 + MIN })
  })

  it('finishes the schedule when endAt has passed or the catch-up used the last runs', () => {
    const q = { nextDueAt: T0 + MIN, now: downUntil, anchor: T0 }
    expect(planCatchUp(everyMinute, 'all', { ...q, endAt: T0 + 2 * MIN })).toEqual({
      fire: minutes(1, 2),
      missed: [],
      nextDueAt: null,
    })
    expect(planCatchUp(everyMinute, 'all', { ...q, remainingRuns: 3 })).toEqual({
      fire: minutes(3, 4, 5),
      missed: [],
      nextDueAt: null,
    })
    expect(planCatchUp(everyMinute, 'once', { ...q, remainingRuns: 3 }).nextDueAt).toBe(T0 + 6 * MIN)
  })
})

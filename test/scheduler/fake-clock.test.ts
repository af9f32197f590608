import { describe, expect, it } from 'vitest'
import { FakeClock, REFERENCE_TIME } from '../helpers/clock.ts'

describe('FakeClock', () => {
  it('fires due timers in due order, each at its own time, ties in the order set', () => {
    const clock = new FakeClock()
    const log: string[] = []
    const note = (name: string) => () => log.push(`${name}@${clock.now() - REFERENCE_TIME}`)
    clock.setTimeout(note('c'), 30)
    clock.setTimeout(note('a'), 10)
    clock.setTimeout(note('b1'), 20)
    clock.setTimeout(note('b2'), 20)
    clock.setTimeout(note('late'), 100)
    clock.advance(50)
    expect(log).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30'])
    expect(clock.now()).toBe(REFERENCE_TIME + 50)
    expect(clock.pending()).toBe(1)
  })

  it('fires timers set during advance when they fall inside the window', () => {
    const clock = new FakeClock(0)
    const ticks: number[] = []
    const tick = () => {
      ticks.push(clock.now())
      clock.setTimeout(tick, 10)
    }
    clock.setTimeout(tick, 10)
    clock.advance(35)
    expect(ticks).toEqual([10, 20, 30])
    expect(clock.pending()).toBe(1)
  })

  it('does not fire cleared timers; zero and negative delays fire on the next advance', () => {
    const clock = new FakeClock(0)
    const log: string[] = []
    const handle = clock.setTimeout(() => log.push('cleared'), 5)
    clock.setTimeout(() => log.push('zero'), 0)
    clock.setTimeout(() => log.push('negative'), -5)
    clock.clearTimeout(handle)
    clock.advance(0)
    expect(log).toEqual(['zero', 'negative'])
    expect(clock.pending()).toBe(0)
  })

  it('advanceAsync lets async work started by a timer finish before the next timer', async () => {
    const clock = new FakeClock(0)
    const log: string[] = []
    clock.setTimeout(async () => {
      log.push('first:start')
      await Promise.resolve()
      await new Promise<void>((resolve) => setImmediate(resolve))
      log.push('first:end')
    }, 10)
    clock.setTimeout(() => log.push('second'), 20)
    await clock.advanceAsync(20)
    expect(log).toEqual(['first:start', 'first:end', 'second'])
  })
})

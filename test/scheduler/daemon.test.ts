import { describe, expect, it } from 'vitest'
import type { TerminalState } from '../../src/model/job-state.ts'
import { daemonRestartDelay, nextConsecutive, shouldRestart } from '../../src/scheduler/daemon.ts'

describe('daemonRestartDelay', () => {
  const backoff = { initialMs: 1000, maxMs: 60_000 }

  it('doubles from initialMs and stops at maxMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 100, 10_000].map((n) => daemonRestartDelay(backoff, n))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000])
  })

  it('never restarts sooner than initialMs, even after a healthy run', () => {
    expect(daemonRestartDelay(backoff, 0)).toBe(1000)
  })
})

describe('shouldRestart', () => {
  it.each<[TerminalState, boolean, boolean]>([
    ['succeeded', true, false],
    ['failed', true, true],
    ['timed_out', true, true],
    ['cancelled', false, false],
  ])('after %s: always → %s, on-failure → %s', (state, always, onFailure) => {
    expect(shouldRestart('always', state)).toBe(always)
    expect(shouldRestart('on-failure', state)).toBe(onFailure)
  })
})

describe('nextConsecutive', () => {
  it('grows with short runs and resets after a healthy one', () => {
    const healthyAfterMs = 60_000
    const backoff = { initialMs: 1000, maxMs: 60_000 }
    let failures = 0
    const delays: number[] = []
    for (const ranForMs of [50, 50, 50, 50, 60_000, 50, 50]) {
      failures = nextConsecutive(failures, ranForMs, healthyAfterMs)
      delays.push(daemonRestartDelay(backoff, failures))
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 1000, 1000, 2000])
  })
})

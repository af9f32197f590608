import { describe, expect, it } from 'vitest'
import { canTransition, isTerminal, JobState, sourcesOf, TERMINAL_STATES } from '../../src/model/job-state.ts'

describe('job state table (SPEC §2)', () => {
  it('terminal states are final', () => {
    for (const from of TERMINAL_STATES)
      for (const to of JobState.options) expect(canTransition(from, to)).toBe(false)
  })

  it.each([
    ['scheduled', 'queued'],
    ['scheduled', 'cancelled'],
    ['queued', 'running'],
    ['queued', 'cancelled'],
    ['running', 'succeeded'],
    ['running', 'failed'],
    ['running', 'timed_out'],
    ['running', 'cancelling'],
    ['running', 'scheduled'],
    ['cancelling', 'cancelled'],
    ['cancelling', 'succeeded'],
  ] as const)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true)
  })

  it.each([
    ['scheduled', 'running'],
    ['queued', 'succeeded'],
    ['queued', 'cancelling'],
    ['cancelling', 'running'],
  ] as const)('%s → %s is not', (from, to) => {
    expect(canTransition(from, to)).toBe(false)
  })

  it('only waiting states can be cancelled at once', () => {
    expect(sourcesOf('running')).toEqual(['queued'])
    expect(isTerminal('cancelling')).toBe(false)
    expect(isTerminal('timed_out')).toBe(true)
  })
})

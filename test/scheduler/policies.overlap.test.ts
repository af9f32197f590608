import { describe, expect, it } from 'vitest'
import { Overlap } from '../../src/model/policies.ts'
import { decideOverlap, type OverlapDecision } from '../../src/scheduler/policies.ts'

describe('decideOverlap', () => {
  it.each<[Overlap, number, number, OverlapDecision]>([
    // Nothing active: every policy fires.
    ['skip', 0, 0, { action: 'fire' }],
    ['allow', 0, 0, { action: 'fire' }],
    ['replace', 0, 0, { action: 'fire' }],
    ['queue', 0, 0, { action: 'fire' }],
    // One run active.
    ['skip', 1, 0, { action: 'skip', reason: 'overlap' }],
    ['allow', 1, 0, { action: 'fire' }],
    ['replace', 1, 0, { action: 'replace' }],
    ['queue', 1, 0, { action: 'enqueue' }],
    // One run active and one already waiting: the queue holds at most one.
    ['queue', 1, 1, { action: 'skip', reason: 'queue-full' }],
    ['replace', 1, 1, { action: 'replace' }],
    ['allow', 3, 0, { action: 'fire' }],
    // The waiting run has not started yet: it still counts as busy.
    ['queue', 0, 1, { action: 'skip', reason: 'queue-full' }],
    ['skip', 0, 1, { action: 'skip', reason: 'overlap' }],
  ])('%s with %i active, %i queued', (policy, activeRuns, queuedRuns, decision) => {
    expect(decideOverlap(policy, { activeRuns, queuedRuns })).toEqual(decision)
  })

  it('defaults to skip', () => {
    expect(Overlap.parse(undefined)).toBe('skip')
    expect(Overlap.safeParse('drop').success).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { CancelledError, JobNotFoundError, ShutdownError, TimeoutError } from '../../src/jobs/errors.ts'

describe('abort reasons', () => {
  it('carry their name, code and message but no stack frames (made by the engine, not thrown by a handler)', () => {
    const reasons = [
      new CancelledError('j1', 'user asked'),
      new TimeoutError('j2', 50),
      new ShutdownError('j3'),
    ]
    expect(reasons.map((r) => [r.name, r.code, r.stack])).toEqual([
      ['CancelledError', 'cancelled', 'CancelledError: job j1 was cancelled: user asked'],
      ['TimeoutError', 'timed_out', 'TimeoutError: job j2 exceeded its 50 ms timeout'],
      ['ShutdownError', 'interrupted', 'ShutdownError: job j3 was interrupted by shutdown'],
    ])
    for (const r of reasons) expect(r).toBeInstanceOf(Error)
  })

  it('leave the stack of other engine errors alone, and the stack limit as it was', () => {
    const limit = Error.stackTraceLimit
    new CancelledError('j1')
    expect(Error.stackTraceLimit).toBe(limit)
    expect(new JobNotFoundError('j4').stack).toContain('\n    at ')
  })
})

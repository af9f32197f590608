import { describe, expect, it } from 'vitest'
import { redactParams } from '../../src/routes/schemas.ts'

describe('redactParams (QUALITY S5)', () => {
  it('hides credential headers at any depth, in objects and arrays, and leaves the input intact', () => {
    const params = {
      url: 'https://example.com',
      headers: { Authorization: 'Bearer a', 'x-trace': '1' },
      steps: [{ request: { headers: { cookie: 'c', accept: 'json' } } }, 3, null],
    }
    const copy = structuredClone(params)
    expect(redactParams(params)).toEqual({
      url: 'https://example.com',
      headers: { Authorization: '[redacted]', 'x-trace': '1' },
      steps: [{ request: { headers: { cookie: '[redacted]', accept: 'json' } } }, 3, null],
    })
    expect(params).toEqual(copy)
  })

  it('returns params without any headers object as they are (no copy)', () => {
    const params = { ms: 5, nested: { list: [1, { a: 'b' }] }, headers: ['not', 'an', 'object'] }
    expect(redactParams(params)).toBe(params)
  })
})

import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { responseSerializer } from '../../src/routes/serializer.ts'

const route = {
  schema: z.object({ id: z.string(), at: z.string().nullable() }),
  method: 'GET',
  url: '/x',
  httpStatus: '200',
}

describe('response serializer', () => {
  it('stringifies without checking in production mode', () => {
    const serialize = responseSerializer(false)(route)
    expect(serialize({ id: 'a', at: null, extra: 1 })).toBe('{"id":"a","at":null,"extra":1}')
  })

  it('in strict mode accepts a body that matches its schema, whatever the key order', () => {
    const serialize = responseSerializer(true)(route)
    expect(JSON.parse(serialize({ at: null, id: 'a' }))).toEqual({ id: 'a', at: null })
  })

  it('in strict mode refuses a field the schema does not declare and a wrong type', () => {
    const serialize = responseSerializer(true)(route)
    expect(() => serialize({ id: 'a', at: null, owner: 'secret' })).toThrow(/does not declare/)
    expect(() => serialize({ id: 1, at: null })).toThrow()
  })
})

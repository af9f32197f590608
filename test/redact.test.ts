import { describe, expect, it } from 'vitest'
import { REDACTED, redactData, redactFields, redactMessage, redactText } from '../src/redact.ts'

describe('redactText: credentials inside strings (SPEC §8)', () => {
  it.each([
    ['https://api.example/v1?api_key=S1&page=2', 'https://api.example/v1?api_key=[redacted]&page=2'],
    ['GET /v1/jobs?access_token=S2', 'GET /v1/jobs?access_token=[redacted]'],
    ['https://h/?user=bob&password=S3#frag', 'https://h/?user=bob&password=[redacted]#frag'],
    [
      'https://h/?X-Amz-Signature=S4&X-Amz-Credential=S5',
      'https://h/?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]',
    ],
    ['https://h/?api%5Fkey=S6', 'https://h/?api%5Fkey=[redacted]'],
    [
      'client_secret=S7&grant_type=client_credentials',
      'client_secret=[redacted]&grant_type=client_credentials',
    ],
    ['GET /v1/x?token=S8 failed', 'GET /v1/x?token=[redacted] failed'],
    ['--password=S11', '--password=[redacted]'],
    ['ftp://user:S9@host/file', 'ftp://user:[redacted]@host/file'],
    ['Authorization: Bearer S10abcdefgh', 'Authorization: Bearer [redacted]'],
    ['Basic dXNlcjpwYXNzd29yZA==', 'Basic [redacted]'],
  ])('%s', (input, shown) => {
    expect(redactText(input)).toBe(shown)
    expect(redactText(shown)).toBe(shown) // idempotent: a redacted text stays as it is
  })

  it.each(['https://example.com/search?q=jobs&page=2', 'Basic configuration applied', 'a plain message'])(
    'leaves %s as it is',
    (text) => {
      expect(redactText(text)).toBe(text)
    },
  )
})

describe('redactData: params, templates and results as shown', () => {
  const headerShapes = {
    Authorization: 'Bearer S1',
    'Private-Token': 'S2',
    'Api-Key': 'S3',
    'X-Access-Token': 'S4',
    'X-Goog-Api-Key': 'S5',
    'X-Amz-Security-Token': 'S6',
    Cookie: 'session=S7',
    'Proxy-Authorization': 'Basic S8',
    'X-Client-Secret': 'S9',
    'X-Password': 'S10',
  }

  it('redacts every credential-looking header, case-insensitively, in headers objects at any depth', () => {
    const params = {
      url: 'https://x.example/a?api_key=S11',
      headers: { ...headerShapes, accept: 'application/json' },
      steps: [{ request: { extraHeaders: { 'x-auth-token': 'S12', 'x-trace': '1' } } }, 3, null],
    }
    const copy = structuredClone(params)
    const shown = redactData(params) as typeof params
    expect(shown.headers).toEqual({
      ...Object.fromEntries(Object.keys(headerShapes).map((name) => [name, REDACTED])),
      accept: 'application/json',
    })
    expect(shown.url).toBe('https://x.example/a?api_key=[redacted]')
    expect(shown.steps[0]).toEqual({
      request: { extraHeaders: { 'x-auth-token': REDACTED, 'x-trace': '1' } },
    })
    expect(JSON.stringify(shown)).not.toMatch(/S\d/)
    expect(params).toEqual(copy) // the stored params are never changed
  })

  it('redacts every env value, whatever its name', () => {
    expect(redactData({ command: 'backup', env: { BUCKET: 'b', AWS_SECRET: 's' } })).toEqual({
      command: 'backup',
      env: { BUCKET: REDACTED, AWS_SECRET: REDACTED },
    })
  })

  it('returns params with nothing to redact as they are, without a copy (job views are a hot path)', () => {
    const params = {
      ms: 5,
      nested: { list: [1, { a: 'b' }] },
      headers: ['not', 'an', 'object'],
      url: 'https://x/',
    }
    expect(redactData(params)).toBe(params)
    const shown = redactData({ a: { b: 1 }, headers: { Authorization: 'x' } }) as { a: unknown }
    expect(shown.a).toEqual({ b: 1 })
  })

  it('copies a JSON __proto__ key as data, never as a prototype', () => {
    const params = JSON.parse('{"__proto__": {"polluted": true}, "headers": {"cookie": "S"}}')
    const shown = redactData(params) as Record<string, unknown>
    expect(Object.getPrototypeOf(shown)).toBe(Object.prototype)
    expect(Object.hasOwn(shown, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('bounds recursion: a subtree deeper than the limit is replaced whole', () => {
    let deep: unknown = { headers: { authorization: 'S' } }
    for (let i = 0; i < 1000; i++) deep = [deep]
    expect(JSON.stringify(redactData(deep))).not.toContain('"S"')
  })
})

describe('redactFields and redactMessage', () => {
  it('log fields: any field with a credential-looking name is redacted at any depth', () => {
    expect(redactFields({ jobId: 'j', token: 'S1', config: { JOBVISOR_TOKENS: 'S2' }, n: 1 })).toEqual({
      jobId: 'j',
      token: REDACTED,
      config: { JOBVISOR_TOKENS: REDACTED },
      n: 1,
    })
  })

  it('messages: the same object when clean, a redacted copy otherwise', () => {
    const clean = { name: 'Error', message: 'nope' }
    expect(redactMessage(clean)).toBe(clean)
    expect(redactMessage({ name: 'Error', message: 'GET https://h/?api_key=S failed' }).message).toBe(
      'GET https://h/?api_key=[redacted] failed',
    )
    const progress: { percent: number; message?: string } = { percent: 5 }
    expect(redactMessage(progress)).toBe(progress)
  })
})

import { describe, expect, it } from 'vitest'
import { createHttpType } from '../../../src/jobs/types/http.ts'

describe('http params', () => {
  const type = createHttpType({ allowPrivate: false })
  it.each([
    [{ url: 'https://example.com/x' }, true],
    [{ url: 'ftp://example.com/x' }, false],
    [{ url: 'file:///etc/passwd' }, false],
    [{ url: 'not a url' }, false],
    [{ url: 'https://user:pw@example.com/' }, false],
    [{ url: 'https://e.com', method: 'POST', body: { a: [1, null] } }, true],
    [{ url: 'https://e.com', method: 'GET', body: 'x' }, false],
    [{ url: 'https://e.com', method: 'HEAD', body: 'x' }, false],
    [{ url: 'https://e.com', method: 'TRACE' }, false],
    [{ url: 'https://e.com', headers: { authorization: 'Bearer t' } }, true],
    [{ url: 'https://e.com', headers: { Host: 'internal' } }, false],
    [{ url: 'https://e.com', headers: { 'Content-Length': '5' } }, false],
    [{ url: 'https://e.com', headers: { 'bad name': 'x' } }, false],
    [{ url: 'https://e.com', headers: { x: 'a\r\nInjected: 1' } }, false],
    [{ url: 'https://e.com', headers: { x: 'caf\u00e9' } }, true],
    [{ url: 'https://e.com', headers: { x: '\u20ac' } }, false],
    [
      {
        url: 'https://e.com',
        headers: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`h${i}`, 'v'])),
      },
      false,
    ],
    [{ url: 'https://e.com', expectStatus: 204 }, true],
    [{ url: 'https://e.com', expectStatus: 600 }, false],
    [{ url: 'https://e.com', expectStatus: 99 }, false],
  ])('%j valid: %s', (params, valid) => {
    expect(type.params.safeParse(params).success).toBe(valid)
  })

  it('defaults to GET with redirects followed', () => {
    expect(type.params.parse({ url: 'https://e.com' })).toMatchObject({
      method: 'GET',
      followRedirects: true,
    })
  })
})

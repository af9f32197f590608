import fc from 'fast-check'
import { idempotencyKey } from './job-bodies.ts'
import { asText, nastyValue } from './mutate.ts'
import type { Plan } from './plan.ts'

/** Request parts that no route expects: odd methods, paths, queries, headers and bodies. */

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
const WEIRD_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json;;;',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/problem+json',
  'application/vnd.api+json',
  '*/*',
  '',
  'json',
  'application/octet-stream',
]
const visible = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
const headerValue = fc.oneof(
  { weight: 8, arbitrary: visible },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(8000), 'Bearer '.repeat(1000)) },
)
const HUGE_BODY = JSON.stringify({ type: 'noop', params: { pad: 'x'.repeat(1024 * 1024 + 10) } })
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
const DEEP_BODIES = [
  `{"type":"noop","params":{"x":${deep(50_000)}}}`,
  `{"type":"http","params":{"url":"http://127.0.0.1/","body":${deep(5_000)}}}`,
  `{"ids":${deep(50_000)}}`,
]

/** Anything at all as a body: random JSON, random bytes, or sizes and depths past the limits. */
export const garbageBody: fc.Arbitrary<Plan['body']> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }).map((raw) => ({ raw })) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }).map((raw) => ({ raw })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(HUGE_BODY, ...DEEP_BODIES, '', '{', 'null', '"x"', '[]')
      .map((raw) => ({ raw })),
  },
)

const headers = (contentType: fc.Arbitrary<string | undefined>) =>
  fc
    .record(
      {
        'content-type': contentType,
        'idempotency-key': fc.oneof(idempotencyKey, visible),
        accept: fc.constantFrom(
          'application/json',
          'text/html',
          '*/*',
          'text/event-stream',
          'application/x-yaml',
        ),
        authorization: fc.oneof(fc.constant('Bearer nope'), headerValue),
        'x-request-id': headerValue,
        'content-length': fc.constantFrom('0', '1'),
        'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', ''),
      },
      { requiredKeys: [] },
    )
    .map((h) =>
      Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined)),
    )

export const jsonHeaders = headers(
  fc.oneof({ weight: 9, arbitrary: fc.constant('application/json') }, fc.constantFrom(...WEIRD_TYPES)),
)

/** encodeURIComponent, which throws on a lone surrogate; Buffer turns that into U+FFFD first. */
export const encode = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'))

/** A path segment that is hostile to routers and decoders. */
export const garbageSegment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }).map(encode),
  fc.constantFrom(
    '%',
    '%ff',
    '%E0%A4%A',
    '%00',
    '%2F',
    '..',
    '.',
    '',
    '%2e%2e',
    'a'.repeat(101),
    'x'.repeat(5000),
  ),
  fc.stringMatching(/^[0-9A-Z]{26}$/),
)
export const garbageQuery: fc.Arbitrary<[string, string][] | string> = fc.oneof(
  fc.array(fc.tuple(fc.string({ maxLength: 12 }), nastyValue.map(asText)), { maxLength: 4 }),
  fc.string({ unit: fc.constantFrom('%', '&', '=', '[', ']', '+', 'a', '0', 'é', '?', '#'), maxLength: 30 }),
)

/** A request to no route in particular: random method, path segments, query, headers, body. */
export const garbagePlan: fc.Arbitrary<Plan> = fc.record({
  route: fc.constant('garbage'),
  kind: fc.constant('garbage' as const),
  method: fc.constantFrom(...METHODS),
  path: fc
    .array(
      fc.oneof(
        fc.constantFrom('v1', 'jobs', 'wait', 'batch', 'cancel', 'logs', 'docs', 'static'),
        garbageSegment,
      ),
      {
        maxLength: 5,
      },
    )
    .map((s) => `/${s.join('/')}`),
  query: garbageQuery,
  headers: jsonHeaders,
  body: fc.option(garbageBody, { nil: undefined }),
})

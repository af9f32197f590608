import { isIP } from 'node:net'
import { z } from 'zod'
import { defineJobType, type JobType } from '../define.ts'
import { JobFailedError } from '../errors.ts'
import { flattenHeaders, type Hop, nextHop, readBody, safeUrl, send } from './http-request.ts'
import { createGuardedLookup, isPrivateAddress, type Resolver, targetNotAllowed } from './net-guard.ts'

// Enough for http→https plus a canonical-host hop or two; each hop costs a connection and a check.
const MAX_REDIRECTS = 5
const DEFAULT_MAX_BODY_BYTES = 64 * 1024
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/ // RFC 9110 token
// Framing and connection headers are ours: a user value would desynchronise the body or the socket.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te'])

// Zod runs refinements even after .url() rejected the value, so this must not throw on garbage.
const hasNoCredentials = (u: string): boolean => {
  const url = URL.canParse(u) ? new URL(u) : undefined
  return url === undefined || (url.username === '' && url.password === '')
}

const HttpParams = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(8192)
      .refine(hasNoCredentials, 'credentials in the URL are not supported; send an Authorization header')
      .describe(
        'Target http:// or https:// URL; private and loopback hosts only if the operator allows them',
      ),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET').describe('HTTP method'),
    headers: z
      .record(
        z
          .string()
          .regex(HEADER_NAME)
          .refine((n) => !RESERVED.has(n.toLowerCase()), 'header is set by the service'),
        z
          .string()
          .max(8192)
          // What node:http accepts: anything else would throw at request time instead of failing validation.
          .regex(
            /^[\t\x20-\x7e\x80-\xff]*$/,
            'header values must be Latin-1 text without CR, LF or controls',
          ),
      )
      .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
      .optional()
      .describe('Request headers (at most 50); values are never logged'),
    body: z
      .json()
      .optional()
      .describe(
        'A string is sent as is (text/plain unless content-type is given); any other JSON value as JSON',
      ),
    expectStatus: z
      .number()
      .int()
      .min(100)
      .max(599)
      .optional()
      .describe('Status the response must have; without it any status below 400 succeeds'),
    followRedirects: z
      .boolean()
      .default(true)
      .describe(
        `Follow up to ${MAX_REDIRECTS} redirects, each target re-checked; false returns the 3xx itself`,
      ),
  })
  .refine((p) => p.body === undefined || (p.method !== 'GET' && p.method !== 'HEAD'), {
    path: ['body'],
    message: 'GET and HEAD requests cannot have a body',
  })
  // The refinement above, in JSON Schema (OpenAPI document): a body needs a method that takes one.
  .meta({
    anyOf: [
      { not: { required: ['body'] } },
      { required: ['method'], properties: { method: { enum: ['POST', 'PUT', 'PATCH', 'DELETE'] } } },
    ],
  })

/** What an `http` job returns. `body` is always text, so its type never depends on the server. */
export interface HttpResult {
  status: number
  /** Response headers, lower-case names; repeated ones joined with ", "; `set-cookie` redacted. */
  headers: Record<string, string>
  /** The body decoded as UTF-8, cut at `maxBodyBytes`. JSON is not parsed: clients parse it if they want. */
  body: string
  truncated: boolean
}

export interface HttpTypeOptions {
  /** JOBVISOR_HTTP_ALLOW_PRIVATE: let jobs reach private, loopback and link-local addresses. */
  allowPrivate: boolean
  /** Bytes of response body kept in the result; default 64 KiB. */
  maxBodyBytes?: number
  /** Test seam: replaces DNS resolution. */
  resolve?: Resolver
  /** Test seam: replaces `isPrivateAddress`, so a loopback test server can stand in for a public host. */
  isPrivate?: (ip: string) => boolean
}

/** Builds the `http` job type: one request bound to `ctx.signal`, with SSRF guard (QUALITY S4). */
export function createHttpType(options: HttpTypeOptions): JobType<typeof HttpParams, HttpResult> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const isPrivate = options.isPrivate ?? isPrivateAddress
  const lookup = createGuardedLookup({
    allowPrivate: options.allowPrivate,
    resolve: options.resolve,
    isPrivate,
  })
  const checkLiteral = (url: URL): void => {
    // A custom lookup is never consulted for IP literals, so they are checked here.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    if (!options.allowPrivate && isIP(host) !== 0 && isPrivate(host))
      throw targetNotAllowed(`address ${host}`)
  }

  return defineJobType({
    name: 'http',
    description:
      'Performs one HTTP request bound to the job signal; fails on a status >= 400 or not expectStatus',
    params: HttpParams,
    // A job without its own timeoutMs should not hold a slot for a server that never answers.
    timeoutMs: 30_000,
    async run(params, ctx) {
      ctx.signal.throwIfAborted()
      let hop = firstHop(params)
      for (let redirects = 0; ; redirects++) {
        checkLiteral(hop.url)
        const res = await send(hop, ctx.signal, lookup)
        const status = res.statusCode ?? 0
        const location = res.headers.location
        if (params.followRedirects && [301, 302, 303, 307, 308].includes(status) && location) {
          res.destroy()
          if (redirects === MAX_REDIRECTS) {
            throw new JobFailedError(`more than ${MAX_REDIRECTS} redirects`, 'too_many_redirects')
          }
          hop = nextHop(hop, status, location)
          ctx.log.debug({ status, location: safeUrl(hop.url) }, 'http redirect')
          continue
        }
        const fields = { method: hop.method, url: safeUrl(hop.url), status, redirects }
        // Without expectStatus a 4xx/5xx fails the job, as `curl --fail` does: a job that
        // "succeeded" with a 503 would hide outages from retries, metrics and waiters.
        if (params.expectStatus !== undefined ? status !== params.expectStatus : status >= 400) {
          res.destroy()
          ctx.log.warn(fields, 'http request failed')
          const expected = params.expectStatus ?? 'below 400'
          throw new JobFailedError(`unexpected status ${status} (expected ${expected})`, 'unexpected_status')
        }
        const { body, truncated } = await readBody(res, maxBodyBytes, ctx.signal)
        ctx.log.info(fields, 'http request done')
        return { status, headers: flattenHeaders(res.headers), body, truncated }
      }
    },
  })
}

function firstHop(params: z.output<typeof HttpParams>): Hop {
  const headers = Object.fromEntries(
    Object.entries(params.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  )
  // Explicit identity: node:http does not decompress, so a compressed body would arrive as garbage.
  headers['accept-encoding'] ??= 'identity'
  let body: string | undefined
  if (typeof params.body === 'string') {
    body = params.body
    headers['content-type'] ??= 'text/plain;charset=UTF-8'
  } else if (params.body !== undefined) {
    body = JSON.stringify(params.body)
    headers['content-type'] ??= 'application/json'
  }
  return { url: new URL(params.url), method: params.method, headers, body }
}

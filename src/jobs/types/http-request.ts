import {
  type ClientRequest,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { StringDecoder } from 'node:string_decoder'
import { JobFailedError } from '../errors.ts'

// Dropped when a redirect changes origin (as fetch does), so one host's credentials never reach another.
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization']

/** One request of an `http` job: the first, or one produced by a redirect. Header names are lower-case. */
export interface Hop {
  url: URL
  method: string
  headers: Record<string, string>
  body: string | undefined
}

/** Fetch's redirect rules: 303 (and 301/302 after POST) become a bodiless GET; 307/308 replay as is. */
export function nextHop(hop: Hop, status: number, location: string): Hop {
  let url: URL
  try {
    url = new URL(location, hop.url)
  } catch {
    throw new JobFailedError('redirect with an invalid Location header', 'bad_redirect')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JobFailedError(`redirect to a ${url.protocol} URL is not allowed`, 'target_not_allowed')
  }
  const headers = { ...hop.headers }
  if (url.origin !== hop.url.origin) for (const name of CREDENTIALS) delete headers[name]
  const toGet =
    (status === 303 && hop.method !== 'HEAD') || ((status === 301 || status === 302) && hop.method === 'POST')
  if (!toGet) return { url, method: hop.method, headers, body: hop.body }
  for (const name of Object.keys(headers)) if (name.startsWith('content-')) delete headers[name]
  return { url, method: 'GET', headers, body: undefined }
}

/** Sends one hop through the guarded `lookup`; resolves at the response head, rejects with `signal.reason` on abort. */
export function send(hop: Hop, signal: AbortSignal, lookup: LookupFunction): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const { url } = hop
    const failed = (err: Error) =>
      new JobFailedError(`request to ${url.origin} failed: ${err.message}`, 'request_failed', { cause: err })
    let req: ClientRequest
    try {
      req = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: hop.method,
        headers: hop.headers,
        lookup,
        // No pooling: a pooled socket was resolved for another request, and this one must connect
        // through its own guarded lookup.
        agent: false,
      })
    } catch (err) {
      // Invalid options throw synchronously rather than emitting 'error'.
      return reject(failed(err instanceof Error ? err : new Error(String(err))))
    }
    const onAbort = () => {
      req.destroy()
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    req.once('response', (res) => {
      signal.removeEventListener('abort', onAbort)
      resolve(res)
    })
    // Stays attached after settling: a late socket error must not become an uncaught 'error'.
    req.on('error', (err) => {
      signal.removeEventListener('abort', onAbort)
      reject(err instanceof JobFailedError ? err : failed(err))
    })
    req.end(hop.body)
  })
}

/** Reads at most `maxBytes` of the body as UTF-8; rejects with `signal.reason` on abort. */
export async function readBody(
  res: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ body: string; truncated: boolean }> {
  const onAbort = () => res.destroy(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  // StringDecoder holds back a multi-byte character cut by truncation instead of emitting U+FFFD.
  const decoder = new StringDecoder('utf8')
  let body = ''
  let bytes = 0
  try {
    signal.throwIfAborted()
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (chunk.length > maxBytes - bytes) {
        body += decoder.write(chunk.subarray(0, maxBytes - bytes))
        return { body, truncated: true } // leaving the loop destroys the response: no more is read
      }
      body += decoder.write(chunk)
      bytes += chunk.length
    }
  } catch (err) {
    res.destroy()
    if (signal.aborted) throw signal.reason
    throw new JobFailedError(`reading the response failed: ${String(err)}`, 'request_failed', { cause: err })
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  return { body: body + decoder.end(), truncated: false }
}

/** Response headers as one string each; `set-cookie` redacted. */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) => {
      if (value === undefined) return []
      // Session cookies are credentials, and job results are readable by every read token (QUALITY S5).
      if (name === 'set-cookie') return [[name, '[redacted]']]
      return [[name, Array.isArray(value) ? value.join(', ') : value]]
    }),
  )
}

/** The URL as logged: origin and path only, because query strings routinely carry API keys. */
export const safeUrl = (url: URL): string => `${url.origin}${url.pathname}`

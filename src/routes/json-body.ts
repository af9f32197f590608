import type { FastifyInstance } from 'fastify'
import { HttpProblem } from './problem.ts'

/**
 * Deepest JSON nesting a request body may have. Real documents stay far below it; without a bound
 * a 1 MiB body of `[[[[…` nests ~500k levels, and every recursive walk over it (zod's `z.json()`,
 * the idempotency fingerprint, JSON.stringify) overflows the stack: a 5xx from client input.
 */
export const MAX_JSON_DEPTH = 100

/** True when `text` nests arrays/objects deeper than `max`; strings are skipped, escapes included. */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/**
 * Replaces Fastify's body parsers: JSON keeps the default parser (proto/constructor poisoning
 * rejected) behind a depth bound; `text/plain` is dropped, since no route takes a text body, so
 * it is a 415 rather than a confusing "expected object, received string".
 */
export function installJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      const message = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`
      done(new HttpProblem(400, 'Bad Request', `body: ${message}`, [{ path: 'body', message }]), undefined)
      return
    }
    parse(req, text, done)
  })
}

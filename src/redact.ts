/**
 * SPEC §8 / QUALITY S5: the one redaction policy. Everything that leaves the service — job and
 * schedule views, events, job logs, errors, the service log — is passed through here, and what is
 * stored stays intact (a handler needs its headers when it runs). A leaf: it imports nothing.
 *
 * - a value under a credential-looking name in a headers object (any key ending in `headers`, at
 *   any depth) is `[redacted]`;
 * - every value of an `env` object (the `command` type's) is `[redacted]`;
 * - in every string: credential-named URL query parameters (and form-body pairs), URL userinfo
 *   passwords and `Bearer`/`Basic` credentials are `[redacted]`;
 * - log fields additionally redact any field with a credential-looking name, at any depth.
 *
 * Job views are a hot path (bench P1/P8): the walk allocates only where it changes something,
 * so params without anything to redact come back as the very same object.
 */

export const REDACTED = '[redacted]'

/** SPEC §8's names (authorization, cookie, *token*, *key*, *secret*, *password*, *auth*) and kin. */
const SECRET_NAME = /auth|cookie|token|key|secret|passw|credential|session|signature/i

/** A value of a plain JSON-ish tree deeper than this is replaced whole: recursion must stay bounded. */
const MAX_DEPTH = 256

const HEADERS_KEY = /headers$/i
const ENV_KEY = /^env$/i

/**
 * `name=value` after `?` or `&`: URL queries and form bodies. Not after white space: prose such as
 * "set JOBVISOR_AUTH=off to run open" is an instruction, not a credential.
 */
const QUERY_PARAM = /([?&])([^=&#?\s"'<>\\]{1,200})=([^&#\s"'<>\\]*)/g
/** Text without white space may be a bare form body or query (`password=…&a=1`): its first pair counts. */
const NO_SPACE = /^\S+$/
/** `scheme://user:password@`. */
const USERINFO = /(\/\/[^/?#\s:@"'<>\\]*:)([^/?#\s@"'<>\\]+)@/g
// Bearer: any token of 8+ characters; Basic only when it looks like base64 (a digit, + / or =), so
// prose such as "Basic configuration" is left alone. Best effort: free text has no grammar.
const SCHEME_CREDENTIAL =
  /\b(Bearer)\s+[A-Za-z0-9._~+/-]{8,}=*|\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}=*/gi
/** Cheap pre-check: a string with none of these holds nothing the patterns above could match. */
const SUSPECT = /[=@]|bearer|basic/i

export const isSecretName = (name: string): boolean => SECRET_NAME.test(name)

const decodeName = (name: string): string => {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '))
  } catch {
    return name
  }
}

/** `text` with credentials in URLs and auth schemes replaced; the same string when there are none. */
export function redactText(text: string): string {
  if (!SUSPECT.test(text)) return text
  const isBare = NO_SPACE.test(text)
  const redacted = (isBare ? `&${text}` : text)
    .replace(QUERY_PARAM, (whole, sep: string, name: string, value: string) =>
      value !== '' && value !== REDACTED && isSecretName(decodeName(name))
        ? `${sep}${name}=${REDACTED}`
        : whole,
    )
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(SCHEME_CREDENTIAL, (_whole, bearer?: string, basic?: string) => `${bearer ?? basic} ${REDACTED}`)
  return isBare ? redacted.slice(1) : redacted
}

/** The text of a URL as it may be logged (the request log's `url`). */
export const redactUrl = redactText

type Tree = Record<string, unknown>

const isPlainObject = (value: unknown): value is Tree => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Sets an own property, `__proto__` included (a JSON key, not a prototype). */
const setOwn = (target: Tree, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Redacts each entry of `source` with `entry`; returns `source` itself when no entry changed. */
function mapEntries(source: Tree, entry: (key: string, value: unknown) => unknown): Tree {
  let out: Tree | undefined
  for (const key of Object.keys(source)) {
    const value = source[key]
    const redacted = entry(key, value)
    if (redacted === value) continue
    // Spread defines own data properties, so a JSON `__proto__` key is copied, never a prototype.
    out ??= { ...source }
    setOwn(out, key, redacted)
  }
  return out ?? source
}

function walk(value: unknown, depth: number, byName: boolean): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  // Class instances (errors, requests, buffers) are left to their serializers.
  if (!Array.isArray(value) && !isPlainObject(value)) return value
  if (depth >= MAX_DEPTH) return REDACTED
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const redacted = walk(value[i], depth + 1, byName)
      if (redacted === value[i]) continue
      out ??= value.slice()
      out[i] = redacted
    }
    return out ?? value
  }
  return mapEntries(value, (key, inner) => {
    if (byName && isSecretName(key)) return inner === undefined ? inner : REDACTED
    if (isPlainObject(inner) && HEADERS_KEY.test(key)) {
      return mapEntries(inner, (name, header) =>
        isSecretName(name) ? REDACTED : walk(header, depth + 2, byName),
      )
    }
    if (isPlainObject(inner) && ENV_KEY.test(key)) return mapEntries(inner, () => REDACTED)
    return walk(inner, depth + 1, byName)
  })
}

/** Params, job templates and results as shown to clients; `value` itself when nothing is secret. */
export const redactData = (value: unknown): unknown => walk(value, 0, false)

/** Log fields: as `redactData`, and any field with a credential-looking name at any depth. */
export const redactFields = <T>(fields: T): T => walk(fields, 0, true) as T

/** A `{ message }` (job error, progress) with its message redacted; the same object when clean. */
export function redactMessage<T extends { message?: string | undefined }>(value: T): T {
  if (value.message === undefined) return value
  const message = redactText(value.message)
  return message === value.message ? value : { ...value, message }
}

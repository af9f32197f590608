import fc from 'fast-check'
import { isOpenRoute } from '../../../src/routes/auth.ts'
import type { Plan } from './plan.ts'
import type { Outcome } from './send.ts'

/** Who sends a fuzzed request: mostly the write token, so valid requests reach their handlers. */
export const role = fc.oneof(
  { weight: 6, arbitrary: fc.constant('write' as const) },
  { weight: 2, arbitrary: fc.constant('read' as const) },
  { weight: 1, arbitrary: fc.constant('wrong' as const) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
)

/** Routes a read token may POST to (`config.access: 'read'`). */
const READ_POSTS = new Set(['POST /v1/jobs/wait'])
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Route patterns filled with known ids (`@pool:N`) only: no segment the router refuses (bad escapes, > 100 chars). */
const CLEAN_PATH = /^(\/[A-Za-z0-9@:._-]{1,100})+$/

/** One request and its outcome, long strings cut, for a failure message a human can read. */
export function describePlan(plan: Plan, outcome: Outcome | Error): string {
  const cut = (_: string, v: unknown) =>
    typeof v === 'string' && v.length > 120
      ? `${v.slice(0, 120)}…(${v.length})`
      : v instanceof Uint8Array
        ? `<${v.length} bytes>`
        : v
  const got =
    outcome instanceof Error
      ? `threw ${outcome.message}`
      : `${outcome.status} ${outcome.contentType} ${outcome.body.slice(0, 500)}`
  return `${JSON.stringify(plan, cut)} → ${got}`
}

/** SPEC §8 auth on a request sent to its own route with its own method: 401 without a valid token, 403 for read on a write route. */
function authViolation(plan: Plan, out: Outcome): string | null {
  if (plan.kind !== 'valid' || plan.auth === undefined) return null
  // A path the router cannot decode is refused (400/414) before any hook runs, auth included.
  if (!CLEAN_PATH.test(plan.path)) return null
  const url = plan.route.slice(plan.route.indexOf(' ') + 1)
  if (isOpenRoute(url, false)) return null
  if ((plan.auth === 'none' || plan.auth === 'wrong') && out.status !== 401)
    return `${out.status} for a request with ${plan.auth === 'none' ? 'no' : 'a wrong'} token`
  const writes = !READ_METHODS.has(plan.method) && !READ_POSTS.has(plan.route)
  if (plan.auth === 'read' && writes && out.status !== 403)
    return `${out.status} for a read token on a write route`
  return null
}

/** Why a response breaks R1, the problem+json contract (SPEC §5) or the auth rules, or null when it is fine. */
export function violation(plan: Plan, out: Outcome): string | null {
  if (out.status >= 500) return `status ${out.status}`
  const auth = authViolation(plan, out)
  if (auth) return auth
  if (out.status < 400 || plan.method === 'HEAD') return null
  if (!out.contentType.startsWith('application/problem+json'))
    return `a ${out.status} that is not problem+json`
  let problem: Record<string, unknown>
  try {
    problem = JSON.parse(out.body)
  } catch {
    return `a ${out.status} whose body is not JSON`
  }
  for (const field of ['type', 'title', 'detail']) {
    if (typeof problem[field] !== 'string') return `a problem without a string ${field}`
  }
  return problem.status === out.status ? null : `problem.status ${problem.status} ≠ ${out.status}`
}

/** Requests and 2xx answers per route, for the share check and the summary line. */
export class Tally {
  readonly sent = new Map<string, number>()
  readonly ok = new Map<string, number>()
  readonly statuses = new Map<number, number>()
  total = 0

  record(plan: Plan, out: Outcome): void {
    this.total++
    this.sent.set(plan.route, (this.sent.get(plan.route) ?? 0) + 1)
    this.statuses.set(out.status, (this.statuses.get(out.status) ?? 0) + 1)
    if (out.status >= 200 && out.status < 300) this.ok.set(plan.route, (this.ok.get(plan.route) ?? 0) + 1)
  }

  /** Share of a route's requests answered 2xx. */
  okShare(route: string): number {
    return (this.ok.get(route) ?? 0) / Math.max(1, this.sent.get(route) ?? 0)
  }

  summary(): string {
    return [...this.statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}:${n}`)
      .join(' ')
  }
}

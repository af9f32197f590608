import { createClient, type Problem } from '../client/index.ts'

/** sessionStorage: the token lives as long as the tab, and never in a URL or a cookie (SPEC §12). */
const TOKEN_KEY = 'jobvisor.token'

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
}

/** The typed client (jobvisor/client), reading the token on every request. */
export const api = createClient({ baseUrl: location.origin, token: token.get })

/** An API answer that was not 2xx, with its problem document: shown to the operator, never swallowed. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${problem.title} (${status}): ${problem.detail}` : `HTTP ${status}`)
  }
}

/** Told when the API answers 401: the app shows the token prompt again. */
export const onUnauthorized = new Set<() => void>()

/** `data` of a 2xx answer; otherwise throws ApiProblem (and a 401 asks for a token). */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await request
  } catch (err) {
    throw new Error(`the service did not answer: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (result.response.ok) return result.data as T
  if (result.response.status === 401) for (const listener of onUnauthorized) listener()
  const error = result.error as Problem | undefined
  throw new ApiProblem(
    result.response.status,
    typeof error === 'object' && error !== null ? error : undefined,
  )
}

export type Role = 'read' | 'write'

/**
 * What the token may do, asked of the API itself: deleting a job id that cannot exist is refused
 * with 403 for a read token and answered 404 (after the auth check) for a write token, and changes
 * nothing either way. null: the token is not valid (401).
 */
export async function probeRole(): Promise<Role | null> {
  const { response } = await api.DELETE('/v1/jobs/{id}', { params: { path: { id: 'role-probe' } } })
  if (response.status === 401) return null
  return response.status === 403 ? 'read' : 'write'
}

/** Raw GET for routes the committed document does not have yet (GET /v1/instances, issue 10). */
export async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const value = token.get()
  const res = await fetch(path, { headers: value ? { authorization: `Bearer ${value}` } : {} })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  if (res.status === 401) for (const listener of onUnauthorized) listener()
  return { status: res.status, body }
}

/** The API's messages by the path they name (errors[].path, e.g. `body.params.ms`); {} for other errors. */
export const fieldErrorsOf = (err: unknown): Record<string, string> =>
  Object.fromEntries(
    (err instanceof ApiProblem ? (err.problem?.errors ?? []) : []).map((i) => [i.path, i.message]),
  )

/**
 * `jobvisor/client` (SPEC §13): a typed client of the HTTP API. The types are generated from
 * openapi/openapi.json by openapi-typescript (schema.ts, `npm run openapi`); requests go through
 * openapi-fetch, a thin wrapper over `fetch`, so the same client runs in Node ≥ 20 and in the
 * dashboard. Every path, parameter, body and response is checked by the compiler:
 *
 *   const api = createClient({ baseUrl: 'http://127.0.0.1:3000', token: process.env.TOKEN })
 *   const { data, error } = await api.POST('/v1/jobs', { body: { type: 'sleep', params: { ms: 500 } } })
 *   // data: Job on 2xx; error: Problem (application/problem+json) otherwise
 */
import createFetchClient, { type Client, type Middleware } from 'openapi-fetch'
import type { components, JsonValue, operations, paths } from './schema.ts'

export type { components, JsonValue, operations, paths }

type Schemas = components['schemas']
export type Job = Schemas['Job']
export type JobState = Job['state']
export type JobInput = Schemas['JobInput']
export type JobType = Schemas['JobType']
export type LogLine = Schemas['LogPage']['items'][number]
export type Schedule = Schemas['Schedule']
export type ScheduleState = Schedule['state']
export type ScheduleInput = Schemas['ScheduleInput']
export type Tick = Schemas['Tick']
export type TickOutcome = Tick['outcome']
export type WaitResult = Schemas['WaitResult']
/** RFC 9457 problem details: every error the API sends. */
export type Problem = Schemas['Problem']

export type JobvisorClient = Client<paths>

export interface ClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:3000` (no trailing `/v1`). */
  baseUrl: string
  /** Bearer token (JOBVISOR_TOKENS), or a function read on every request (the dashboard's prompt). */
  token?: string | (() => string | null | undefined)
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch
  /** Headers sent with every request. */
  headers?: Record<string, string>
}

/** A typed client for one jobvisor service. */
export function createClient(options: ClientOptions): JobvisorClient {
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  })
  if (options.token !== undefined) client.use(bearer(options.token))
  return client
}

function bearer(token: NonNullable<ClientOptions['token']>): Middleware {
  return {
    onRequest({ request }) {
      const value = typeof token === 'function' ? token() : token
      if (value) request.headers.set('authorization', `Bearer ${value}`)
      return request
    },
  }
}

/** A response that was not 2xx, with its problem document. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${status} ${problem.title}: ${problem.detail}` : `HTTP ${status}`)
    this.name = 'ApiError'
  }
}

/** `data` of a 2xx result, or throws {@link ApiError}: for code that treats every error alike. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T
  const error = result.error
  const problem =
    typeof error === 'object' && error !== null && 'status' in error ? (error as Problem) : undefined
  throw new ApiError(result.response.status, problem)
}

import fc from 'fast-check'
import { JobState } from '../../../src/model/job-state.ts'
import { EDGE_DATES, isoDate, LOOPBACK_URLS } from './schema-arbitrary.ts'

/**
 * Request parts that are valid for the jobs API (SPEC §3, §5), built so that everything they
 * start finishes within ~50 ms: short sleeps, `http` to loopback (refused: private targets are
 * off), `command` (refused: no executable is allowed), and the fast test types. Never
 * `never-settles`, which would hold a slot until its grace ends.
 *
 * `@pool:N` and `@cursor:N` are placeholders for the N-th known job id (or its list cursor),
 * filled in when the request is sent, since ids exist only at run time.
 */
export const poolRef = fc.nat({ max: 1000 }).map((n) => `@pool:${n}`)
/** The N-th known schedule id. */
export const schedulePoolRef = fc.nat({ max: 1000 }).map((n) => `@spool:${n}`)
const cursorRef = fc.nat({ max: 1000 }).map((n) => `@cursor:${n}`)

const LABEL_KEYS = ['team', 'env', 'run']
const LABEL_VALUES = ['ops', 'dev', 'a', '1', '']
export const STATES: string[] = [...JobState.options]
export const TYPES = [
  'noop',
  'sleep',
  'http',
  'command',
  'flaky',
  'throws-non-error',
  'chatty',
  'blocking',
  'limited',
]

/** A job's `type` and valid `params`, any built-in or fast test type. */
export const typeAndParams = fc.oneof(
  fc.constant({ type: 'noop' }),
  fc.record({ type: fc.constant('sleep'), params: fc.record({ ms: fc.integer({ min: 0, max: 50 }) }) }),
  fc.record({
    type: fc.constant('http'),
    params: fc.record(
      {
        url: fc.constantFrom(...LOOPBACK_URLS),
        method: fc.constantFrom('GET', 'POST', 'DELETE'),
        // Any JSON document is a valid body, however deep; `@deep:N` nests N arrays (send.ts).
        body: fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, fc.constant('@deep:5000')),
      },
      { requiredKeys: ['url'] },
    ),
  }),
  fc.record({
    type: fc.constant('command'),
    params: fc.record({
      command: fc.constantFrom('ls', '/bin/true'),
      args: fc.array(fc.string(), { maxLength: 2 }),
    }),
  }),
  fc.record({ type: fc.constant('flaky'), params: fc.record({ failures: fc.integer({ min: 0, max: 2 }) }) }),
  fc.constant({ type: 'throws-non-error', params: {} }),
  fc.record({ type: fc.constant('chatty'), params: fc.record({ lines: fc.integer({ min: 0, max: 30 }) }) }),
  // Mostly ≤ 50 ms; some run ~1 s, so cancels also meet running jobs (202).
  fc.record({
    type: fc.constant('blocking'),
    params: fc.record({
      units: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 100, max: 200 })),
    }),
  }),
  fc.record({ type: fc.constant('limited'), params: fc.record({ ms: fc.integer({ min: 0, max: 20 }) }) }),
  fc.record({
    type: fc.constant('ignores-signal'),
    params: fc.record({ ms: fc.integer({ min: 0, max: 20 }) }),
  }),
)

const jobOptions = fc.record(
  {
    priority: fc.integer({ min: -1000, max: 1000 }),
    timeoutMs: fc.integer({ min: 1, max: 100 }),
    delayMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(86_400_000)),
    runAt: fc.oneof({ weight: 4, arbitrary: isoDate }, fc.constantFrom(...EDGE_DATES)),
    retry: fc.record(
      {
        maxAttempts: fc.integer({ min: 1, max: 3 }),
        backoff: fc.record({
          type: fc.constantFrom('fixed', 'exponential'),
          delayMs: fc.integer({ min: 0, max: 20 }),
        }),
      },
      { requiredKeys: ['maxAttempts'] },
    ),
    labels: fc.dictionary(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
)

/** A valid `POST /v1/jobs` body (runAt and delayMs never together). */
export const validJobInput: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(typeAndParams, jobOptions)
  .map(([job, { runAt, delayMs, ...options }]) => ({
    ...job,
    ...options,
    ...(runAt !== undefined ? { runAt } : delayMs !== undefined ? { delayMs } : {}),
  }))

export const validBatch = fc.record({ jobs: fc.array(validJobInput, { minLength: 1, maxLength: 4 }) })

export const validWait = fc.record(
  {
    ids: fc.array(poolRef, { minLength: 1, maxLength: 4 }),
    timeoutMs: fc.integer({ min: 0, max: 20 }),
    returnWhen: fc.constantFrom('all_completed', 'first_completed', 'first_failure'),
    cancelPending: fc.boolean(),
  },
  { requiredKeys: ['ids', 'timeoutMs'] },
)

export const validCancel = fc.record(
  {
    mode: fc.constantFrom('immediate', 'graceful'),
    reason: fc.string({ maxLength: 50 }),
    graceMs: fc.integer({ min: 0, max: 50 }),
  },
  { requiredKeys: [] },
)

/** Query parameters of `GET /v1/jobs`, as key → values (a key may repeat). */
export const validListQuery: fc.Arbitrary<[string, string][]> = fc
  .record(
    {
      state: fc.subarray(STATES, { minLength: 1, maxLength: 3 }).map((s) => s.join(',')),
      type: fc.constantFrom(...TYPES),
      label: fc.array(
        fc
          .tuple(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES))
          .map(([k, v]) => `${k}:${v}`),
        { minLength: 1, maxLength: 2 },
      ),
      limit: fc
        .oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 20 }) }, fc.constant(500))
        .map(String),
      cursor: cursorRef,
      scheduleId: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  )
  .map((q) =>
    Object.entries(q).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x])),
  )

export const validLogsQuery: fc.Arbitrary<[string, string][]> = fc
  .record(
    {
      after: fc.integer({ min: 0, max: 20 }).map(String),
      limit: fc.integer({ min: 1, max: 50 }).map(String),
    },
    { requiredKeys: [] },
  )
  .map((q) => Object.entries(q))

/** Idempotency keys from a small set, so repeats (200) and conflicts (422) both happen. */
export const idempotencyKey = fc.constantFrom('key-a', 'key-b', 'key-c')

/**
 * `POST /v1/jobs` with an Idempotency-Key: one key always with the same body (201, then 200),
 * and keys from a few hundred with any body (mostly 201, sometimes a 422 conflict).
 */
export const idempotentCreate: fc.Arbitrary<{ key: string; body: unknown }> = fc.oneof(
  fc.constant({ key: 'same-body', body: { type: 'noop', labels: { run: 'a' } } }),
  fc.tuple(fc.nat({ max: 300 }), validJobInput).map(([n, body]) => ({ key: `key-${n}`, body })),
)

import fc from 'fast-check'
import { typeAndParams } from './job-bodies.ts'

/**
 * Request parts that are valid for the schedules API (SPEC §5, §6), so `/v1/schedules/{id}` routes
 * meet real schedules and answer 2xx. Triggers fire rarely (a minute apart at most; `/trigger` fires
 * on demand) and daemons restart only on failure: hundreds of schedules made while fuzzing must
 * not turn into a background load that slows every later request.
 */

/** Names from a small set: repeats give 409s as well as 201s. */
const name = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 500 }).map((n) => `fuzz-${n}`) },
  fc.constantFrom('poll', 'nightly', 'a.b-c_d'),
)

const trigger = fc.oneof(
  fc.record(
    {
      type: fc.constant('interval'),
      every: fc.constantFrom('1m', '10m', '1h', '1d'),
      mode: fc.constantFrom('fixed-rate', 'fixed-delay'),
    },
    { requiredKeys: ['type', 'every'] },
  ),
  fc.record({ type: fc.constant('interval'), everyMs: fc.integer({ min: 60_000, max: 86_400_000 }) }),
  fc.record(
    {
      type: fc.constant('cron'),
      expression: fc.constantFrom('0 0 * * *', '*/5 * * * *', '0 */2 * * * *', '@hourly', '30 8 * * 1-5'),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York'),
    },
    { requiredKeys: ['type', 'expression'] },
  ),
  fc.record({
    type: fc.constant('daemon'),
    restart: fc.constant('on-failure'),
    backoff: fc.record({ initialMs: fc.constant(1000), maxMs: fc.constant(60_000) }),
  }),
)

const template = fc
  .tuple(
    typeAndParams,
    fc.record(
      { priority: fc.integer({ min: -10, max: 10 }), timeoutMs: fc.integer({ min: 1, max: 100 }) },
      { requiredKeys: [] },
    ),
  )
  .map(([job, options]) => ({ ...job, ...options }))

const policies = {
  overlap: fc.constantFrom('skip', 'allow', 'replace', 'queue'),
  catchUp: fc.constantFrom('skip', 'once', 'all'),
  jitterMs: fc.integer({ min: 0, max: 100 }),
  maxRuns: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(null)),
  // Future only: a past startAt with catchUp all would make a burst of catch-up runs.
  startAt: fc.oneof(
    fc
      .integer({ min: 3_600_000, max: 365 * 86_400_000 })
      .map((ahead) => new Date(Date.now() + ahead).toISOString()),
    fc.constant(null),
  ),
}

/** A valid `POST /v1/schedules` body. */
export const validScheduleInput = fc.record(
  { name, trigger, job: template, ...policies },
  { requiredKeys: ['name', 'trigger', 'job'] },
)

/** A valid `PATCH /v1/schedules/{id}` body: any subset. */
export const validSchedulePatch = fc.record(
  { name, trigger, job: template, ...policies },
  { requiredKeys: [] },
)

export const validStop = fc.record({ mode: fc.constantFrom('graceful', 'immediate') }, { requiredKeys: [] })

/** Query parameters of `GET /v1/schedules`. */
export const validScheduleListQuery: fc.Arbitrary<[string, string][]> = fc
  .record(
    {
      state: fc
        .subarray(['active', 'paused', 'stopping', 'stopped'], { minLength: 1, maxLength: 2 })
        .map((s) => s.join(',')),
      limit: fc.integer({ min: 1, max: 50 }).map(String),
      cursor: fc.nat({ max: 1000 }).map((n) => `@scursor:${n}`),
    },
    { requiredKeys: [] },
  )
  .map((q) => Object.entries(q))

import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { MAX_INTERVAL_MS, Trigger } from '../../src/scheduler/trigger.ts'

// Nested like the schedule body, so paths read as the client will see them.
const Body = z.object({ trigger: Trigger })
const issuesOf = (trigger: unknown) => {
  const result = Body.safeParse({ trigger })
  if (result.success) throw new Error(`expected failure, got ${JSON.stringify(result.data)}`)
  return result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
}

describe('Trigger: accepted input and its normalised output', () => {
  it.each([
    [
      { type: 'interval', every: '2s' },
      { type: 'interval', mode: 'fixed-rate', everyMs: 2000 },
    ],
    [
      { type: 'interval', everyMs: 10, mode: 'fixed-delay' },
      { type: 'interval', mode: 'fixed-delay', everyMs: 10 },
    ],
    [
      { type: 'interval', every: '1h30m' },
      { type: 'interval', mode: 'fixed-rate', everyMs: 5_400_000 },
    ],
    [
      { type: 'cron', expression: '*/5 * * * *' },
      { type: 'cron', expression: '*/5 * * * *', timezone: 'UTC' },
    ],
    [
      { type: 'cron', expression: ' */10 * * * * * ', timezone: 'europe/berlin' },
      { type: 'cron', expression: '*/10 * * * * *', timezone: 'Europe/Berlin' },
    ],
    [
      { type: 'cron', expression: '@hourly' },
      { type: 'cron', expression: '@hourly', timezone: 'UTC' },
    ],
    [{ type: 'cron', expression: '0 9 * * MON-FRI', timezone: 'America/New_York' }, null],
    [
      { type: 'daemon' },
      {
        type: 'daemon',
        restart: 'always',
        backoff: { initialMs: 1000, maxMs: 60_000, healthyAfterMs: 60_000 },
      },
    ],
    [
      { type: 'daemon', restart: 'on-failure', backoff: { initialMs: 50 } },
      {
        type: 'daemon',
        restart: 'on-failure',
        backoff: { initialMs: 50, maxMs: 60_000, healthyAfterMs: 60_000 },
      },
    ],
  ])('%j', (input, output) => {
    const parsed = Trigger.parse(input)
    if (output !== null) expect(parsed).toEqual(output)
    // Stored triggers are parsed again on load: the output must be valid input with the same meaning.
    expect(Trigger.parse(parsed)).toEqual(parsed)
  })
})

describe('Trigger: each mistake is an issue on the field that has it', () => {
  it.each([
    ['missing every', { type: 'interval' }, 'trigger.every', /exactly one of every or everyMs/],
    [
      'both every and everyMs',
      { type: 'interval', every: '2s', everyMs: 2000 },
      'trigger.every',
      /exactly one/,
    ],
    ['every below minimum', { type: 'interval', every: '5ms' }, 'trigger.every', /between 10ms and 31d/],
    ['every above maximum', { type: 'interval', every: '32d' }, 'trigger.every', /between 10ms and 31d/],
    ['malformed every', { type: 'interval', every: '2 seconds' }, 'trigger.every', /duration such as/],
    ['everyMs below minimum', { type: 'interval', everyMs: 9 }, 'trigger.everyMs', /10/],
    ['everyMs above maximum', { type: 'interval', everyMs: MAX_INTERVAL_MS + 1 }, 'trigger.everyMs', /.+/],
    ['fractional everyMs', { type: 'interval', everyMs: 10.5 }, 'trigger.everyMs', /int/i],
    ['every as a number', { type: 'interval', every: 2000 }, 'trigger.every', /string/],
    ['unknown mode', { type: 'interval', every: '2s', mode: 'fast' }, 'trigger.mode', /fixed-rate/],
    ['misspelt key', { type: 'interval', every: '2s', evry: '3s' }, 'trigger', /evry/],
    ['bad cron field', { type: 'cron', expression: '61 * * * *' }, 'trigger.expression', /minute/],
    ['4 cron fields', { type: 'cron', expression: '* * * *' }, 'trigger.expression', /5 cron fields/],
    [
      '7 cron fields',
      { type: 'cron', expression: '0 0 0 1 1 * 2030' },
      'trigger.expression',
      /5 cron fields/,
    ],
    ['ISO date as cron', { type: 'cron', expression: '2026-05-01T00:00:00' }, 'trigger.expression', /5 cron/],
    ['never-firing cron', { type: 'cron', expression: '0 0 30 2 *' }, 'trigger.expression', /never fires/],
    ['cron gibberish', { type: 'cron', expression: 'a b c d e' }, 'trigger.expression', /.+/],
    [
      'unknown timezone',
      { type: 'cron', expression: '* * * * *', timezone: 'Mars/Olympus' },
      'trigger.timezone',
      /IANA/,
    ],
    [
      'offset timezone',
      { type: 'cron', expression: '* * * * *', timezone: '+01:00' },
      'trigger.timezone',
      /IANA/,
    ],
    ['unknown restart', { type: 'daemon', restart: 'never' }, 'trigger.restart', /always/],
    [
      'maxMs below initialMs',
      { type: 'daemon', backoff: { initialMs: 5000, maxMs: 1000 } },
      'trigger.backoff.maxMs',
      /initialMs/,
    ],
    ['zero initialMs', { type: 'daemon', backoff: { initialMs: 0 } }, 'trigger.backoff.initialMs', /.+/],
    ['unknown type', { type: 'weekly' }, 'trigger.type', /interval/],
    ['no type', { every: '2s' }, 'trigger.type', /.+/],
  ])('%s', (_name, trigger, path, message) => {
    const issues = issuesOf(trigger)
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) })
  })
})

import fc from 'fast-check'

/** Keys that have broken JavaScript servers before: prototype pollution and inherited names. */
export const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']

/** `@deep:N` becomes N nested arrays when sent (send.ts), past any recursive validator's stack. */
export const DEEP = /"@deep:(\d+)"/g

/**
 * Values that are wrong for almost any field: wrong types, out-of-range or non-integer numbers,
 * odd strings (empty, NUL, lone surrogates, long unicode). Deliberately no mid-range positive
 * integers: a mutated `timeoutMs` or `graceMs` must not turn into a valid minutes-long wait.
 */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      -1,
      -0,
      0.5,
      1.5,
      2 ** 31,
      2 ** 53 + 2,
      -(2 ** 53),
      1e308,
      -1e308,
      5e-324,
      '',
      ' ',
      '0',
      '-1',
      '1e400',
      'NaN',
      'null',
      'true',
      '__proto__',
      '\u0000',
      '\ud800',
      '\u202e\u0301',
      '💥',
      '../../etc/passwd',
      "'; DROP TABLE jobs; --",
      '%00%ff',
      '@deep:5000',
      '@deep:60000',
      [],
      {},
      [[]],
      [null],
      { '': '' },
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 40), max: -2 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 200, maxLength: 2000 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(70_000), 'é'.repeat(20_000)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
)

/** Replacements for a string field: near-misses of dates, names, enums and sizes. */
const stringEdge = fc.oneof(
  fc.constantFrom(
    '9999-12-31T23:59:59-23:59',
    '0000-01-01T00:00:00+23:59',
    '2024-02-30T00:00:00Z',
    '2024-01-01T00:00:00.123456789+01:00',
    '2024-01-01',
    'a b',
    'a:b',
    'A'.repeat(101),
    'é'.repeat(201),
    '\t',
    '1',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
)

/** Replacements for a number field, relative to its valid value: just out of range or not an int. */
const numberEdges = (n: number) => [
  n + 0.5,
  -n - 1,
  n * 1000 + 1,
  n - 1,
  -1,
  2 ** 31,
  Number.MAX_SAFE_INTEGER + 2,
]

/**
 * Any value as query-string text. Not String(): a generated `{"toString": 1}` or a null-prototype
 * object cannot be converted to a primitive.
 */
export const asText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'))

type Container = Record<string, unknown> | unknown[]
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null

/** Every object or array inside `value`, root first, with the keys it holds. */
function containers(value: unknown, out: Container[] = [], depth = 0): Container[] {
  if (!isContainer(value) || depth > 6) return out
  out.push(value)
  for (const child of Object.values(value)) containers(child, out, depth + 1)
  return out
}

/** Sets an own, enumerable key, so `__proto__` is serialised as a key rather than a prototype. */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

export type Mutation = 'replace' | 'delete' | 'add' | 'poison' | 'wrap'

/** How to break one spot of a value; the numbers choose the spot and the variant. */
export interface MutationChoice {
  kind: Mutation
  spot: number
  key: number
  variant: number
  replacement: unknown
  text: string
}

/**
 * A copy of `valid` with exactly one thing wrong: a value replaced (by a type-aware near miss
 * half the time), a key removed, an unknown or prototype-polluting key added, or a value wrapped
 * in an array.
 */
export function mutate(valid: unknown, m: MutationChoice): unknown {
  const copy: unknown = structuredClone(valid)
  const spots = containers(copy)
  if (spots.length === 0) return m.kind === 'wrap' ? [copy] : m.replacement
  const target = spots[m.spot % spots.length] as Record<string, unknown>
  const keys = Object.keys(target)
  const key = keys.length > 0 ? keys[m.key % keys.length] : undefined
  const fresh = Array.isArray(target) ? String(target.length) : undefined
  const current = key === undefined ? undefined : target[key]
  const nearMiss =
    m.variant % 2 === 0 && typeof current === 'number'
      ? numberEdges(current)[m.variant % 7]
      : m.variant % 2 === 0 && typeof current === 'string'
        ? m.text
        : m.replacement
  switch (m.kind) {
    case 'replace':
      if (key !== undefined) setOwn(target, key, nearMiss)
      break
    case 'delete':
      if (key !== undefined) delete target[key]
      break
    case 'add':
      setOwn(target, fresh ?? `extra${m.variant % 7}`, m.replacement)
      break
    case 'poison':
      setOwn(target, fresh ?? (POISON_KEYS[m.variant % POISON_KEYS.length] as string), {
        polluted: m.replacement,
      })
      break
    case 'wrap':
      if (key !== undefined) setOwn(target, key, [current])
      break
  }
  return copy
}

const choice: fc.Arbitrary<MutationChoice> = fc.record({
  kind: fc.constantFrom<Mutation>(
    'replace',
    'replace',
    'replace',
    'replace',
    'delete',
    'add',
    'poison',
    'wrap',
  ),
  spot: fc.nat(),
  key: fc.nat(),
  variant: fc.nat(),
  replacement: nastyValue,
  text: stringEdge,
})

/** Nearly valid: one mutation of a value from `valid`. */
export function nearly(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, choice).map(([value, m]) => mutate(value, m))
}

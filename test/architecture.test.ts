import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The layering of issue 10: routes → scheduler → jobs → store → model, nothing pointing up. A
 * layer may import its own files and lower layers; the shared leaves (clock, ids, events, redact,
 * logger) are open to all and import no layer themselves; `model` imports only zod.
 */
const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const LAYERS = ['model', 'store', 'jobs', 'scheduler', 'routes'] as const
const LEAVES = new Set(['clock.ts', 'ids.ts', 'events.ts', 'redact.ts', 'logger.ts'])

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

/** Every `from '…'` and `import('…')` specifier of a file. */
const specifiers = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)].map((m) => m[1] as string)

/** Where a file sits: a layer's index, 'leaf', or 'top' (config, app, service: above every layer). */
function place(file: string): number | 'leaf' | 'top' {
  const [first, ...rest] = relative(SRC, file).split('/')
  if (rest.length === 0) return LEAVES.has(first as string) ? 'leaf' : 'top'
  const at = LAYERS.indexOf(first as (typeof LAYERS)[number])
  return at < 0 ? 'top' : at
}

function violations(): string[] {
  const found: string[] = []
  for (const file of sources(SRC)) {
    const from = place(file)
    if (from === 'top') continue
    for (const spec of specifiers(file)) {
      const name = relative(SRC, file)
      if (!spec.startsWith('.')) {
        if (from === 0 && spec !== 'zod') found.push(`${name} imports ${spec}: model imports only zod`)
        continue
      }
      const to = place(resolve(dirname(file), spec))
      const target = relative(SRC, resolve(dirname(file), spec))
      if (to === 'leaf') {
        if (from === 0) found.push(`${name} imports ${target}: model imports only zod`)
      } else if (to === 'top' || from === 'leaf' || to > from) {
        found.push(`${name} imports ${target}, which is above it`)
      }
    }
  }
  return found
}

describe('architecture (issue 10: nothing points up)', () => {
  it('routes → scheduler → jobs → store → model; model imports only zod', () => {
    expect(violations()).toEqual([])
  })
})

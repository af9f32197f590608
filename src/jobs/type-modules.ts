import { readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import type { AnyJobType } from './define.ts'

/**
 * SPEC §9 `JOBVISOR_TYPES`: job types from the user's own modules, loaded at start. Every way a
 * module can be wrong is a TypeModuleError naming the module and the reason; server.ts turns it
 * into exit code 2, like a bad environment variable.
 */
export class TypeModuleError extends Error {
  constructor(
    /** The module as the user named it (a JOBVISOR_TYPES entry, or a file found in a directory). */
    readonly module: string,
    readonly reason: string,
  ) {
    super(`${module}: ${reason}`)
    this.name = 'TypeModuleError'
  }
}

/** A job type and the module it came from (null: handed over as an object, e.g. to createJobvisor). */
export interface LoadedJobType {
  type: AnyJobType
  /** File URL the module was imported from; a worker imports the same URL. */
  moduleUrl: string | null
  /** How error messages name where the type came from. */
  source: string
}

const NAME = /^[A-Za-z0-9._-]{1,100}$/
/** The modules a directory entry loads: plain ESM, as node runs it (no .ts, no .cjs). */
const MODULE_EXTENSIONS = new Set(['.js', '.mjs'])

/** The shape defineJobType produces; the object itself is kept (its `run` may use `this`). */
const JobTypeShape = z.object({
  name: z.string().regex(NAME, 'expected 1-100 characters of A-Z a-z 0-9 . _ -'),
  description: z.string().max(2000),
  params: z.custom<z.ZodType>(
    (v) => v instanceof z.ZodType,
    "expected a zod schema made with the `z` exported by 'jobvisor'",
  ),
  run: z.custom<AnyJobType['run']>((v) => typeof v === 'function', 'expected a function run(params, ctx)'),
  timeoutMs: z.number().int().min(1).optional(),
  concurrency: z.number().int().min(1).optional(),
  isolation: z.enum(['none', 'worker']).optional(),
})

/**
 * The job types of a module's default export (one type or an array of them), or why there are
 * none. Shared with the worker thread, which finds its type the same way.
 */
export function jobTypesOf(
  exported: unknown,
  where = 'default',
): { types: AnyJobType[] } | { problem: string } {
  if (exported === undefined) {
    return { problem: 'has no default export; export default a job type (defineJobType) or an array of them' }
  }
  const list = Array.isArray(exported) ? exported : [exported]
  if (list.length === 0) return { problem: 'default export is an empty array: it defines no job type' }
  const problems: string[] = []
  list.forEach((item, i) => {
    const parsed = JobTypeShape.safeParse(item)
    if (parsed.success) return
    const at = Array.isArray(exported) ? `${where}[${i}]` : where
    for (const issue of parsed.error.issues)
      problems.push(`${[at, ...issue.path].join('.')}: ${issue.message}`)
  })
  if (problems.length > 0) return { problem: `exports no valid job type: ${problems.join('; ')}` }
  return { types: list as AnyJobType[] }
}

/** Imports one module by file path and returns its types; `label` names it in errors. */
export async function importTypeModule(file: string, label: string): Promise<LoadedJobType[]> {
  const url = pathToFileURL(file).href
  let namespace: { default?: unknown }
  try {
    namespace = (await import(url)) as { default?: unknown }
  } catch (err) {
    throw new TypeModuleError(label, `failed to import: ${err instanceof Error ? err.message : String(err)}`)
  }
  const found = jobTypesOf(namespace.default)
  if ('problem' in found) throw new TypeModuleError(label, found.problem)
  return found.types.map((type) => ({ type, moduleUrl: url, source: label }))
}

/**
 * Loads every entry of JOBVISOR_TYPES, in order: a file, or a directory whose `*.js`/`*.mjs`
 * files are each loaded (sorted by name, so the order does not depend on the file system).
 */
export async function loadTypeModules(entries: readonly string[], cwd: string): Promise<LoadedJobType[]> {
  const loaded: LoadedJobType[] = []
  for (const entry of entries) {
    const path = resolve(cwd, entry)
    const info = await stat(path).catch(() => null)
    if (info === null) throw new TypeModuleError(entry, `no such file or directory (${path})`)
    if (!info.isDirectory()) {
      loaded.push(...(await importTypeModule(path, entry)))
      continue
    }
    const files = (await readdir(path, { withFileTypes: true }))
      .filter((d) => !d.isDirectory() && MODULE_EXTENSIONS.has(extname(d.name)))
      .map((d) => d.name)
      .sort()
    if (files.length === 0) throw new TypeModuleError(entry, 'directory holds no .js or .mjs module')
    for (const file of files) loaded.push(...(await importTypeModule(join(path, file), join(entry, file))))
  }
  return loaded
}

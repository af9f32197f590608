import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import type { AnyJobType, JobType } from './define.ts'
import type { JobTypeRegistry } from './registry.ts'
import { jobTypesOf, type LoadedJobType, loadTypeModules, TypeModuleError } from './type-modules.ts'
import { isolatedJobType } from './worker/isolated-type.ts'
import { WorkerPool } from './worker/pool.ts'

/** A type handed over directly, or a module (path or file URL) whose default export holds types. */
// biome-ignore lint/suspicious/noExplicitAny: a list of types of every param shape
export type JobTypeSource = JobType<any, unknown> | string | URL

/** Resolves createJobvisor's `types`: modules are imported (relative paths from `cwd`), objects checked. */
export async function resolveTypeSources(
  sources: readonly JobTypeSource[],
  cwd: string,
): Promise<LoadedJobType[]> {
  const loaded: LoadedJobType[] = []
  for (const [i, source] of sources.entries()) {
    if (typeof source === 'string' || source instanceof URL) {
      const isUrl = source instanceof URL || source.startsWith('file:')
      loaded.push(...(await loadTypeModules([isUrl ? fileURLToPath(source) : source], cwd)))
      continue
    }
    const found = jobTypesOf(source, `types[${i}]`)
    if ('problem' in found) throw new TypeModuleError(`types[${i}]`, found.problem)
    loaded.push({
      type: found.types[0] as AnyJobType,
      moduleUrl: null,
      source: `types[${i}] (${source.name})`,
    })
  }
  return loaded
}

/**
 * Checks the user's types against the built-ins already in `registry` and each other, before
 * anything is opened or started: a reused name — a built-in's included — or a worker type with no
 * module to import is a TypeModuleError naming where the type came from.
 */
export function checkAddedTypes(registry: JobTypeRegistry, added: readonly LoadedJobType[]): void {
  const owners = new Map(registry.names().map((name) => [name, "jobvisor's built-in types"]))
  for (const { type, moduleUrl, source } of added) {
    const owner = owners.get(type.name)
    if (owner) throw new TypeModuleError(source, `reuses the job type name "${type.name}" of ${owner}`)
    owners.set(type.name, source)
    if (type.isolation === 'worker' && moduleUrl === null) {
      throw new TypeModuleError(
        source,
        `job type "${type.name}" has isolation 'worker' but was passed as an object; a worker thread imports its type by module, so pass the module's path instead`,
      )
    }
  }
}

/**
 * Registers checked types beside the built-ins; returns the worker pool (threads started) when
 * some type asked for `isolation: 'worker'`, else null.
 */
export function addJobTypes(
  registry: JobTypeRegistry,
  added: readonly LoadedJobType[],
  options: { workers: number; logger: Logger },
): WorkerPool | null {
  checkAddedTypes(registry, added)
  const needsWorkers = added.some((a) => a.type.isolation === 'worker')
  const pool = needsWorkers ? new WorkerPool({ size: options.workers, logger: options.logger }) : null
  for (const { type, moduleUrl } of added) {
    registry.register(
      pool && moduleUrl && type.isolation === 'worker' ? isolatedJobType(type, moduleUrl, pool) : type,
    )
  }
  return pool
}

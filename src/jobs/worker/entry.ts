/**
 * The module each worker thread of the pool loads (piscina calls its default export once per
 * task). It imports the job type's module by URL — cached after the first run, as any ESM import
 * — runs the handler with a WorkerJobContext, and posts exactly one `result` or `error` on the
 * task's port. Piscina's own reply carries nothing: posting the result ourselves is what lets a
 * value that cannot be cloned fail the job with a clear error instead of crashing the thread.
 */
import type { AnyJobType } from '../define.ts'
import { jobTypesOf } from '../type-modules.ts'
import { WorkerJobContext } from './context.ts'
import { toErrorRecord, type WorkerTask } from './messages.ts'

const types = new Map<string, AnyJobType>()

async function findType(module: string, typeName: string): Promise<AnyJobType> {
  const key = `${module}#${typeName}`
  const known = types.get(key)
  if (known) return known
  const namespace = (await import(module)) as { default?: unknown }
  const found = jobTypesOf(namespace.default)
  const type = 'types' in found ? found.types.find((t) => t.name === typeName) : undefined
  if (!type) throw new Error(`job type ${typeName} is not exported by ${module} in the worker thread`)
  types.set(key, type)
  return type
}

export default async function runTask(task: WorkerTask): Promise<void> {
  const ctx = new WorkerJobContext(task.jobId, task.attempt, task.port)
  try {
    const type = await findType(task.module, task.typeName)
    const value = await type.run(task.params, ctx)
    const notCloneable = ctx.post({ kind: 'result', value })
    if (notCloneable !== null) {
      const message = `the result cannot leave the worker thread, it is not structured-cloneable: ${notCloneable}`
      ctx.post({ kind: 'error', error: { name: 'ResultError', message, code: 'result_not_cloneable' } })
    }
  } catch (err) {
    ctx.post({ kind: 'error', error: toErrorRecord(err) })
  } finally {
    task.port.close()
  }
}

import type { AnyJobType } from '../define.ts'
import type { WorkerPool } from './pool.ts'

/**
 * The main thread's stand-in for a worker-isolated type: the same name, schema and defaults for
 * the registry and the HTTP edge, a `run` that hands the job to the pool, and the `abandon` hook
 * the engine's forced path calls. Its concurrency is capped by the pool, so a run that the engine
 * starts finds a thread instead of waiting in the pool's queue with its timeout running.
 */
export function isolatedJobType(type: AnyJobType, moduleUrl: string, pool: WorkerPool): AnyJobType {
  return {
    name: type.name,
    description: type.description,
    params: type.params,
    timeoutMs: type.timeoutMs,
    concurrency: Math.min(type.concurrency ?? pool.size, pool.size),
    isolation: 'worker',
    run: (params, ctx) =>
      pool.run(
        { module: moduleUrl, typeName: type.name, params, jobId: ctx.jobId, attempt: ctx.attempt },
        ctx,
      ),
    abandon: (jobId) => pool.abandon(jobId),
  }
}

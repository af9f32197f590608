import { z } from 'zod'
import { defineJobType, type JobType } from '../../src/jobs/define.ts'

/**
 * Named gates a `gated` handler waits at until the test opens them: the test, not a timer, decides
 * when a run ends, so "still running" and "ended after X" are facts of order, not of speed.
 */
export class Gates {
  readonly #open = new Set<string>()
  readonly #waiting = new Map<string, (() => void)[]>()
  /** Handlers that reached their gate, in order (job ids). */
  readonly reached: string[] = []
  /** Handlers that passed their gate and returned, in order (job ids). */
  readonly returned: string[] = []

  open(name: string): void {
    this.#open.add(name)
    for (const resolve of this.#waiting.get(name) ?? []) resolve()
    this.#waiting.delete(name)
  }

  /** Resolves once `name` is open; rejects with the signal's reason if it aborts first. */
  wait(name: string, signal?: AbortSignal): Promise<void> {
    if (this.#open.has(name)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal?.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
      const list = this.#waiting.get(name) ?? []
      list.push(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      })
      this.#waiting.set(name, list)
    })
  }
}

/** What test handlers observed, so tests can assert on cleanup and attempts. */
export interface Observed {
  cleanups: { jobId: string; reason: string }[]
  attempts: Map<string, number>
  lateSettled: string[]
  gates: Gates
  /** What `ctx.signal` said once a `gated` run passed its gate: the abort reason's name, or null. */
  signalAfterGate: Map<string, string | null>
}

/** Where the test types go: a registry, or a list handed to createService as added types. */
interface TypeCollector {
  register(type: JobType<z.ZodType, unknown>): TypeCollector
}

/**
 * Handlers that misbehave on purpose (R4) and one that waits for its signal, each small enough to
 * read in one glance.
 */
export function registerTestTypes(registry: TypeCollector): Observed {
  const observed: Observed = {
    cleanups: [],
    attempts: new Map(),
    lateSettled: [],
    gates: new Gates(),
    signalAfterGate: new Map(),
  }
  registry
    .register(
      defineJobType({
        name: 'gated',
        description:
          'Runs until the test opens its gate; with ignoresSignal, cancel and timeout do not end it',
        params: z.object({ gate: z.string().min(1), ignoresSignal: z.boolean().default(false) }),
        async run({ gate, ignoresSignal }, ctx) {
          observed.gates.reached.push(ctx.jobId)
          await observed.gates.wait(gate, ignoresSignal ? undefined : ctx.signal)
          observed.gates.returned.push(ctx.jobId)
          observed.signalAfterGate.set(
            ctx.jobId,
            ctx.signal.aborted ? (ctx.signal.reason as Error).name : null,
          )
          return { gate }
        },
      }),
    )
    .register(
      defineJobType({
        name: 'blocking',
        description: 'Runs until its signal aborts (then cleans up) or stopSignal fires (then returns)',
        params: z.object({ units: z.number().int().min(0).default(1_000_000) }),
        async run({ units }, ctx) {
          try {
            for (let done = 0; done < units; done++) {
              if (ctx.stopSignal.aborted) return { stoppedAfter: done }
              ctx.progress((done / units) * 100, `unit ${done}`)
              await ctx.sleep(5)
            }
            return { stoppedAfter: units }
          } catch (err) {
            observed.cleanups.push({ jobId: ctx.jobId, reason: (err as Error).name })
            throw err
          }
        },
      }),
    )
    .register(
      defineJobType({
        name: 'never-settles',
        description: 'Ignores every signal and never settles',
        params: z.object({}),
        run: () => new Promise(() => {}),
      }),
    )
    .register(
      defineJobType({
        name: 'ignores-signal',
        description: 'Ignores its signal and returns after ms',
        params: z.object({ ms: z.number().int() }),
        async run({ ms }, ctx) {
          await new Promise((resolve) => setTimeout(resolve, ms))
          observed.lateSettled.push(ctx.jobId)
          return { late: true }
        },
      }),
    )
    .register(
      defineJobType({
        name: 'throws-non-error',
        description: 'Throws a plain object',
        params: z.object({}),
        async run() {
          throw { not: 'an error' }
        },
      }),
    )
    .register(
      defineJobType({
        name: 'flaky',
        description: 'Fails its first `failures` attempts, then succeeds',
        params: z.object({ failures: z.number().int().min(0) }),
        async run({ failures }, ctx) {
          observed.attempts.set(ctx.jobId, ctx.attempt)
          if (ctx.attempt <= failures) throw new Error(`attempt ${ctx.attempt} failed`)
          ctx.log.info({ attempt: ctx.attempt }, 'flaky succeeded')
          return { attempt: ctx.attempt }
        },
      }),
    )
    .register(
      defineJobType({
        name: 'chatty',
        description: 'Logs `lines` lines, one per event-loop turn every 10th line',
        params: z.object({ lines: z.number().int().min(0) }),
        async run({ lines }, ctx) {
          for (let i = 1; i <= lines; i++) {
            ctx.log.info(`line ${i}`)
            if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve))
          }
          return null
        },
      }),
    )
    .register(
      defineJobType({
        name: 'limited',
        description: 'Sleeps; at most two run at once',
        params: z.object({ ms: z.number().int() }),
        concurrency: 2,
        async run({ ms }, ctx) {
          await ctx.sleep(ms)
          return null
        },
      }),
    )
  return observed
}

import { z } from 'zod'
import type { AnyJobType, JobIsolation, JobType } from './define.ts'

export interface JobTypeInfo {
  name: string
  description: string
  timeoutMs: number | null
  concurrency: number | null
  isolation: JobIsolation
  paramsSchema: unknown
}

/** name → JobType. Owned by the application (no global registry), so tests build their own. */
export class JobTypeRegistry {
  readonly #types = new Map<string, AnyJobType>()

  register(type: JobType<z.ZodType, unknown>): this {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(type.name))
      throw new TypeError(`job type name "${type.name}" is not valid`)
    if (this.#types.has(type.name)) throw new TypeError(`job type "${type.name}" is already registered`)
    this.#types.set(type.name, type as AnyJobType)
    return this
  }

  get(name: string): AnyJobType | undefined {
    return this.#types.get(name)
  }

  names(): string[] {
    return [...this.#types.keys()].sort()
  }

  /** What `GET /v1/job-types` shows: params as JSON Schema (input side, so defaults are visible). */
  describe(): JobTypeInfo[] {
    return this.names().map((name) => {
      const type = this.#types.get(name) as AnyJobType
      return {
        name,
        description: type.description,
        timeoutMs: type.timeoutMs ?? null,
        concurrency: type.concurrency ?? null,
        isolation: type.isolation ?? 'none',
        paramsSchema: z.toJSONSchema(type.params, { io: 'input', unrepresentable: 'any' }),
      }
    })
  }

  /** Per-type concurrency limits, for the claim loop. */
  limits(): Map<string, number> {
    const limits = new Map<string, number>()
    for (const [name, type] of this.#types)
      if (type.concurrency !== undefined) limits.set(name, type.concurrency)
    return limits
  }
}

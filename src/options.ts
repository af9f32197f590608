import { z } from 'zod'
import type { JobTypeSource } from './jobs/added-types.ts'

/**
 * The options createJobvisor and jobvisorPlugin share, checked with zod like every other input:
 * a wrong one is a TypeError naming it, before anything starts.
 */
export const EmbedOptionsSchema = z.strictObject({
  types: z
    .array(
      z.union([
        z.string().min(1),
        z.instanceof(URL),
        z.looseObject({ name: z.string() }), // a job type; checked in full by the registry
      ]),
    )
    .optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
})

export interface EmbedOptions {
  /**
   * Job types added to the built-ins: types from `defineJobType`, or module paths (relative to
   * the working directory) or file URLs whose default export is a type or an array of them.
   * A type with `isolation: 'worker'` must come from a module, which its worker thread imports.
   */
  types?: readonly JobTypeSource[]
  /** `JOBVISOR_*` settings that override `process.env` (SPEC §8's variables, JOBVISOR_TYPES included). */
  env?: Record<string, string | undefined>
}

/** Parses options with `schema`, throwing a TypeError that names the option at fault. */
export function parseOptions<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input ?? {})
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`)
    throw new TypeError(`${what}: invalid options: ${issues.join('; ')}`)
  }
  return parsed.data
}

/** The environment an embedded service reads: process.env with the caller's overrides on top. */
export function embeddedEnv(env: EmbedOptions['env']): Record<string, string | undefined> {
  return { ...process.env, ...env }
}

import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'
import { z } from 'zod'
import { defineJobType, type JobType } from '../define.ts'
import { JobFailedError } from '../errors.ts'
import type { CommandProcesses } from '../processes/command-processes.ts'
import { CommandEnvPolicy } from './command-env.ts'
import { type CommandResult, runProcess } from './command-process.ts'

export type { CommandResult } from './command-process.ts'

const DEFAULT_MAX_OUTPUT_LINES = 1000
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin'
const noNul = (s: string) => !s.includes('\0')
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** noNul as a JSON Schema pattern (OpenAPI document). */
const NO_NUL = '^[^\\u0000]*$'

/** The params schema; `env` names are checked against the operator's allow-list (command-env.ts). */
const commandParams = (envPolicy: CommandEnvPolicy) =>
  z.object({
    command: z
      .string()
      .min(1)
      .max(4096)
      .describe('Executable, spelled exactly as in the JOBVISOR_COMMANDS list'),
    args: z
      .array(z.string().max(32_768).refine(noNul, 'arguments cannot contain NUL').meta({ pattern: NO_NUL }))
      .max(1000)
      .default([])
      .describe('Arguments, passed as is: there is no shell, so no globbing, quoting or expansion'),
    cwd: z
      .string()
      .max(4096)
      .refine(isAbsolute, 'cwd must be an absolute path')
      .meta({ pattern: '^/' })
      .optional()
      .describe('Working directory (absolute); default the service working directory'),
    env: z
      .record(
        z.string(),
        z.string().max(32_768).refine(noNul, 'values cannot contain NUL').meta({ pattern: NO_NUL }),
      )
      .refine((env) => Object.keys(env).length <= 100, 'at most 100 variables')
      .meta({ maxProperties: 100, propertyNames: { pattern: VARIABLE_NAME.source } })
      // Checked here rather than in the key schema, whose issues zod reports as "Invalid key in record".
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
          if (!VARIABLE_NAME.test(name))
            ctx.addIssue({ code: 'custom', path: [name], message: 'not a variable name' })
          else if (!envPolicy.allows(name))
            ctx.addIssue({ code: 'custom', path: [name], message: envPolicy.refusal() })
        }
      })
      .optional()
      .describe(
        'Variables added to a minimal environment (PATH, HOME, LANG), never to the service environment; only names the operator lists in JOBVISOR_COMMAND_ENV',
      ),
  })

export interface CommandTypeOptions {
  /** JOBVISOR_COMMANDS: bare names (looked up on the service PATH) or absolute paths; empty disables the type. */
  allowed: readonly string[]
  /** Time between SIGTERM and SIGKILL to the process group after `ctx.signal` aborts. */
  killGraceMs: number
  /** Output lines copied to the job log (stdout and stderr together); default 1000. */
  maxOutputLines?: number
  /** JOBVISOR_COMMAND_ENV: names (or `NAME_*` prefixes) a job may set in `env`; default none. */
  allowedEnv?: readonly string[]
  /** Records, contains and ends every run's processes (SPEC §8). */
  processes: CommandProcesses
}

type CommandParams = ReturnType<typeof commandParams>

/**
 * Builds the `command` job type (QUALITY S3): runs a listed executable without a shell in
 * its own process group, and signals the whole group, so grandchildren die with the job.
 * POSIX only: process groups and negative-pid kill do not exist on Windows.
 */
export function createCommandType(options: CommandTypeOptions): JobType<CommandParams, CommandResult> {
  for (const entry of options.allowed) {
    if (!isAbsolute(entry) && entry.includes('/')) {
      throw new TypeError(`allowed command "${entry}" must be a bare name or an absolute path`)
    }
  }
  const allowed = new Set(options.allowed)
  const CommandParams = commandParams(new CommandEnvPolicy(options.allowedEnv ?? []))
  const maxOutputLines = options.maxOutputLines ?? DEFAULT_MAX_OUTPUT_LINES

  return defineJobType({
    name: 'command',
    description: 'Runs an operator-listed executable without a shell; output goes to the job log',
    params: CommandParams,
    async run({ command, args, cwd, env }, ctx) {
      ctx.signal.throwIfAborted()
      // Exact match against the list: no basename or PATH games ("/tmp/x/sleep" is not "sleep").
      if (!allowed.has(command)) {
        const why =
          allowed.size === 0 ? 'the command type is disabled (JOBVISOR_COMMANDS is empty)' : 'not listed'
        throw new JobFailedError(`command ${command} is not allowed: ${why}`, 'command_not_allowed')
      }
      // The service's environment may hold tokens; the child gets only these plus `env`.
      const base = { PATH: process.env.PATH || DEFAULT_PATH, HOME: process.env.HOME, LANG: process.env.LANG }
      // Resolved here on the service PATH, so neither the job nor the child's PATH picks the binary.
      const file = await findExecutable(command, base.PATH)
      if (file === undefined) throw new JobFailedError(`command ${command} was not found`, 'spawn_failed')
      // Checked here: spawn reports a missing cwd as ENOENT of the executable, blaming the wrong path.
      if (cwd !== undefined) await checkDirectory(cwd)
      ctx.signal.throwIfAborted()
      const childEnv = Object.fromEntries(
        Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined),
      )
      return runProcess(
        { file, argv0: command, args, cwd, env: childEnv },
        ctx,
        options.processes,
        options.killGraceMs,
        maxOutputLines,
      )
    },
  })
}

async function findExecutable(command: string, path: string): Promise<string | undefined> {
  // A relative PATH entry would make the binary depend on the service's working directory.
  const candidates = isAbsolute(command)
    ? [command]
    : path
        .split(delimiter)
        .filter(isAbsolute)
        .map((d) => join(d, command))
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      if ((await stat(candidate)).isFile()) return candidate
    } catch {}
  }
  return undefined
}

async function checkDirectory(cwd: string): Promise<void> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(cwd)).isDirectory()
  } catch {
    throw new JobFailedError(`working directory ${cwd} does not exist`, 'cwd_not_found')
  }
  if (!isDirectory) throw new JobFailedError(`working directory ${cwd} is not a directory`, 'cwd_not_found')
}

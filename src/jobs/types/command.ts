import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { z } from 'zod'
import { defineJobType, type JobContext, type JobType } from '../define.ts'
import { JobFailedError } from '../errors.ts'

const TAIL_LINES = 20
const MAX_LINE_CHARS = 8192 // a program that never prints a newline must not grow a buffer without bound
const DEFAULT_MAX_OUTPUT_LINES = 1000
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin'
// Variables that make an allowed program load other code or find other programs: with them a
// job could turn "may run /usr/local/bin/backup" into "may run anything". Defense in depth, not
// a sandbox: listing an interpreter (sh, node) already grants arbitrary code.
const FORBIDDEN_ENV =
  /^(PATH|LD_\w*|DYLD_\w*|NODE_OPTIONS|BASH_ENV|ENV|SHELLOPTS|BASHOPTS|PS4|PYTHONSTARTUP|PYTHONPATH|PERL5OPT|PERL5LIB|RUBYOPT)$/
const noNul = (s: string) => !s.includes('\0')

const CommandParams = z.object({
  command: z
    .string()
    .min(1)
    .max(4096)
    .describe('Executable, spelled exactly as in the JOBVISOR_COMMANDS list'),
  args: z
    .array(z.string().max(32_768).refine(noNul, 'arguments cannot contain NUL'))
    .max(1000)
    .default([])
    .describe('Arguments, passed as is: there is no shell, so no globbing, quoting or expansion'),
  cwd: z
    .string()
    .max(4096)
    .refine(isAbsolute, 'cwd must be an absolute path')
    .optional()
    .describe('Working directory (absolute); default the service working directory'),
  env: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .refine((name) => !FORBIDDEN_ENV.test(name), 'this variable cannot be set by a job'),
      z.string().max(32_768).refine(noNul, 'values cannot contain NUL'),
    )
    .refine((env) => Object.keys(env).length <= 100, 'at most 100 variables')
    .optional()
    .describe(
      'Variables added to a minimal environment (PATH, HOME, LANG), never to the service environment',
    ),
})

/** What a `command` job returns when the process exits 0 (or stops on the SIGTERM of a graceful stop). */
export interface CommandResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** The last 20 stdout lines; the full output is in the job log. */
  stdoutTail: string[]
}

export interface CommandTypeOptions {
  /** JOBVISOR_COMMANDS: bare names (looked up on the service PATH) or absolute paths; empty disables the type. */
  allowed: readonly string[]
  /** Time between SIGTERM and SIGKILL to the process group after `ctx.signal` aborts. */
  killGraceMs: number
  /** Output lines copied to the job log (stdout and stderr together); default 1000. */
  maxOutputLines?: number
}

/**
 * Builds the `command` job type (QUALITY S3): runs a listed executable without a shell in
 * its own process group, and signals the whole group, so grandchildren die with the job.
 * POSIX only: process groups and negative-pid kill do not exist on Windows.
 */
export function createCommandType(options: CommandTypeOptions): JobType<typeof CommandParams, CommandResult> {
  for (const entry of options.allowed) {
    if (!isAbsolute(entry) && entry.includes('/')) {
      throw new TypeError(`allowed command "${entry}" must be a bare name or an absolute path`)
    }
  }
  const allowed = new Set(options.allowed)
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
      ctx.signal.throwIfAborted()
      const childEnv = Object.fromEntries(
        Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined),
      )
      return runProcess(
        { file, argv0: command, args, cwd, env: childEnv },
        ctx,
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

interface Spawn {
  file: string
  argv0: string
  args: string[]
  cwd: string | undefined
  env: NodeJS.ProcessEnv
}

function runProcess(
  spec: Spawn,
  ctx: JobContext,
  killGraceMs: number,
  maxLines: number,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // detached: setsid(), so the child leads a new process group whose id is its pid.
    const child = spawn(spec.file, spec.args, {
      argv0: spec.argv0,
      cwd: spec.cwd,
      env: spec.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const { pid } = child
    const signalGroup = (sig: NodeJS.Signals | 0): boolean => {
      if (pid === undefined) return false
      try {
        process.kill(-pid, sig)
        return true
      } catch {
        return false // ESRCH: nobody left in the group
      }
    }
    let killTimer: NodeJS.Timeout | undefined
    const terminate = () => {
      if (signalGroup('SIGTERM') && killTimer === undefined) {
        killTimer = setTimeout(() => signalGroup('SIGKILL'), killGraceMs)
        killTimer.unref()
      }
    }
    let stopRequested = false
    // Graceful stop: SIGTERM only. The program decides how to finish; escalation comes from the
    // engine, which aborts ctx.signal once its grace is over.
    const onStop = () => {
      stopRequested = true
      signalGroup('SIGTERM')
    }
    ctx.signal.addEventListener('abort', terminate, { once: true })
    ctx.stopSignal.addEventListener('abort', onStop, { once: true })

    const tail: string[] = []
    let logged = 0
    const emit = (stream: 'stdout' | 'stderr', line: string) => {
      if (stream === 'stdout' && tail.push(line) > TAIL_LINES) tail.shift()
      if (logged < maxLines) ctx.log[stream === 'stdout' ? 'info' : 'warn']({ stream }, line)
      else if (logged === maxLines) ctx.log.warn({ maxOutputLines: maxLines }, 'output truncated')
      logged++
    }
    const stdout = lineSplitter((line) => emit('stdout', line))
    const stderr = lineSplitter((line) => emit('stderr', line))
    // Read even past maxLines: a child blocked on a full pipe would never exit.
    child.stdout.on('data', stdout.write)
    child.stderr.on('data', stderr.write)

    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      ctx.signal.removeEventListener('abort', terminate)
      ctx.stopSignal.removeEventListener('abort', onStop)
      if (killTimer !== undefined && !signalGroup(0)) clearTimeout(killTimer)
      outcome()
    }
    child.once('spawn', () => {
      ctx.log.info({ command: spec.argv0, argCount: spec.args.length, pid }, 'command started')
      if (ctx.stopSignal.aborted) onStop()
    })
    child.once('error', (err) => {
      settle(() =>
        reject(new JobFailedError(`could not start ${spec.argv0}: ${err.message}`, 'spawn_failed')),
      )
    })
    // The job owns its group: whatever the leader left running is terminated with it.
    child.once('exit', terminate)
    // 'close' waits for stdout/stderr to end, i.e. for every process holding the pipes.
    child.once('close', (code, signal) => {
      stdout.end()
      stderr.end()
      if (pid !== undefined) ctx.log.info({ exitCode: code, signal }, 'command exited')
      settle(() => {
        if (ctx.signal.aborted) reject(ctx.signal.reason)
        else if (code === 0 || (stopRequested && signal === 'SIGTERM')) {
          resolve({ exitCode: code, signal, stdoutTail: tail })
        } else if (signal !== null) reject(new JobFailedError(`process was killed by ${signal}`, 'signal'))
        else reject(new JobFailedError(`process exited with code ${code}`, 'exit_code'))
      })
    })
  })
}

function lineSplitter(onLine: (line: string) => void) {
  const decoder = new StringDecoder('utf8')
  let partial = ''
  const flush = (line: string) => onLine(line.slice(0, MAX_LINE_CHARS).replace(/\r$/, ''))
  return {
    write: (chunk: Buffer): void => {
      const lines = (partial + decoder.write(chunk)).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) flush(line)
      for (; partial.length > MAX_LINE_CHARS; partial = partial.slice(MAX_LINE_CHARS)) flush(partial)
    },
    end: (): void => {
      const rest = partial + decoder.end()
      partial = ''
      if (rest !== '') flush(rest)
    },
  }
}

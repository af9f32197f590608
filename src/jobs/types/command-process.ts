import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import type { JobContext } from '../define.ts'
import { JobFailedError } from '../errors.ts'
import type { CommandProcesses } from '../processes/command-processes.ts'

const TAIL_LINES = 20
const MAX_LINE_CHARS = 8192 // a program that never prints a newline must not grow a buffer without bound

/** What a `command` job returns when the process exits 0 (or stops on the SIGTERM of a graceful stop). */
export interface CommandResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** The last 20 stdout lines; the full output is in the job log. */
  stdoutTail: string[]
}

/** What to run; `file` is already resolved and checked against the allow list. */
export interface Spawn {
  file: string
  argv0: string
  args: string[]
  cwd: string | undefined
  env: NodeJS.ProcessEnv
}

/**
 * Runs `spec` in its own process group (and its own cgroup where `processes` can make one), with
 * output copied to `ctx.log`, and settles once every process holding its pipes is gone.
 * `ctx.signal` abort: SIGTERM to the run, SIGKILL after `killGraceMs`, then rejects with
 * `ctx.signal.reason`. `ctx.stopSignal`: SIGTERM only. Whatever the leader leaves behind is ended
 * the same way, and `processes` forgets the run once nothing of it is alive.
 */
export async function runProcess(
  spec: Spawn,
  ctx: JobContext,
  processes: CommandProcesses,
  killGraceMs: number,
  maxLines: number,
): Promise<CommandResult> {
  const spawnFailed = (err: unknown) =>
    new JobFailedError(`could not start ${spec.argv0}: ${String(err)}`, 'spawn_failed', { cause: err })
  // Errors of the fork itself are the job's "could not start"; a store error recording it is not.
  const { child, group } = await processes.spawn(ctx.jobId, ctx.attempt, () => {
    try {
      return spawnInGroup(spec)
    } catch (err) {
      throw spawnFailed(err) // most errnos arrive as 'error'; a few throw synchronously
    }
  })
  return new Promise((resolve, reject) => {
    const { pid } = child
    const terminate = () => void group.end(killGraceMs)
    let stopRequested = false
    // Graceful stop: SIGTERM only. The program decides how to finish; escalation comes from the
    // engine, which aborts ctx.signal once its grace is over.
    const onStop = () => {
      stopRequested = true
      group.signal('SIGTERM')
    }
    ctx.signal.addEventListener('abort', terminate, { once: true })
    ctx.stopSignal.addEventListener('abort', onStop, { once: true })
    // Aborted while the run was being recorded: it is ended as soon as it exists.
    if (ctx.signal.aborted) terminate()

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
    child.stdout?.on('data', stdout.write)
    child.stderr?.on('data', stderr.write)

    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      ctx.signal.removeEventListener('abort', terminate)
      ctx.stopSignal.removeEventListener('abort', onStop)
      processes.finished(group)
      outcome()
    }
    child.once('spawn', () => {
      ctx.log.info({ command: spec.argv0, argCount: spec.args.length, pid }, 'command started')
      if (ctx.stopSignal.aborted && !stopRequested) onStop() // stopped before we could listen
    })
    child.once('error', (err) => settle(() => reject(spawnFailed(err))))
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

// detached: setsid(), so the child leads a new process group whose id is its pid.
const spawnInGroup = (spec: Spawn) =>
  spawn(spec.file, spec.args, {
    argv0: spec.argv0,
    cwd: spec.cwd,
    env: spec.env,
    shell: false,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })

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

import { type ChildProcess, fork, type StdioOptions } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpClient } from './http.ts'
import { sleep } from './stats.ts'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CHILDREN = fileURLToPath(new URL('../children/', import.meta.url))

/** The environment without any JOBVISOR_* of the caller's shell, so each child gets only what we set. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('JOBVISOR_')) env[k] = v
  return { ...env, ...extra }
}

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

interface SpawnOptions {
  args?: string[]
  env?: Record<string, string>
  /** Extra node flags, e.g. --expose-gc or --cpu-prof. */
  nodeFlags?: string[]
  /** File that receives the child's stdout (its pino log); default: discarded. */
  stdoutFile?: string
}

/**
 * The node flags the service ships with (package.json `start`, the Dockerfile's CMD; a test keeps
 * the three in step). Every child gets them, references included, so comparisons stay even.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=32']

/** Forks a TypeScript file under tsx, with an IPC channel; stderr is kept for error messages. */
function spawnTs(script: string, options: SpawnOptions): { child: ChildProcess; stderr: () => string } {
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore'
  const stdio: StdioOptions = ['ignore', out, 'pipe', 'ipc']
  const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = fork(script, options.args ?? [], {
    cwd: ROOT,
    env: cleanEnv(options.env ?? {}),
    execArgv: ['--import', 'tsx', ...SERVICE_NODE_FLAGS, ...(options.nodeFlags ?? []), ...extraFlags],
    stdio,
  })
  if (typeof out === 'number') closeSync(out)
  let tail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000)
  })
  return { child, stderr: () => tail }
}

/**
 * Runs a bench/children script to completion and returns the value it sent with `reply()`.
 * The child runs in its own process so that its event loop, heap and RSS are its own.
 */
export function runChild<T>(name: string, options: SpawnOptions & { timeoutMs?: number } = {}): Promise<T> {
  const { child, stderr } = spawnTs(`${CHILDREN}${name}`, options)
  return new Promise<T>((resolve, reject) => {
    let result: { value: T } | undefined
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} timed out after ${options.timeoutMs} ms\n${stderr()}`))
    }, options.timeoutMs ?? 600_000)
    child.on('message', (message) => {
      result = { value: message as T }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (result) resolve(result.value)
      else reject(new Error(`${name} exited (${code ?? signal}) without a result\n${stderr()}`))
    })
  })
}

export interface Server {
  url: string
  pid: number
  /** SIGTERM, then SIGKILL after 20 s; resolves when the process is gone. */
  stop(): Promise<void>
}

/**
 * Starts an HTTP server script (default: the real src/server.ts) on a free loopback port and
 * waits until `GET <readyPath>` answers 200.
 */
export async function startServer(
  options: SpawnOptions & { script?: string; readyPath?: string } = {},
): Promise<Server> {
  const port = await freePort()
  // BENCH_SERVER_SCRIPT: e.g. a tsc build with source maps, for profiling (see bench/README.md).
  const script = options.script ?? (process.env.BENCH_SERVER_SCRIPT || `${ROOT}src/server.ts`)
  const { child, stderr } = spawnTs(script, {
    ...options,
    env: { JOBVISOR_HOST: '127.0.0.1', JOBVISOR_PORT: String(port), PORT: String(port), ...options.env },
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const client = new HttpClient(url)
  const deadline = Date.now() + 60_000
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}\n${stderr()}`)
      const ok = await client.request('GET', options.readyPath ?? '/readyz').then(
        (r) => r.status === 200,
        () => false,
      )
      if (ok) break
      if (Date.now() > deadline) throw new Error(`server not ready within 60 s\n${stderr()}`)
      await sleep(50)
    }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  } finally {
    client.close()
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    },
  }
}

export type Side = 'jobvisor' | 'ref'

/** Which side runs first in run `i`: alternated, so a burst of load from elsewhere does not always hit one. */
export const sidesInOrder = (i: number): readonly Side[] =>
  i % 2 === 0 ? ['jobvisor', 'ref'] : ['ref', 'jobvisor']

/**
 * Run `i` of scenario `name` on one side: the real server on a SQLite file with room for
 * `concurrency` jobs, or its reference child (`children/<name>-reference.ts`) on a file of its own.
 */
export function startSide(
  side: Side,
  name: string,
  i: number,
  tmp: string,
  concurrency: number,
): Promise<Server> {
  const file = (suffix: string) => join(tmp, `${name}${side === 'ref' ? '-ref' : ''}-${i}.${suffix}`)
  return startServer(
    side === 'jobvisor'
      ? {
          env: { JOBVISOR_DB: file('db'), JOBVISOR_MAX_CONCURRENCY: String(concurrency) },
          stdoutFile: file('log'),
        }
      : { script: `${CHILDREN}${name}-reference.ts`, env: { BENCH_DB: file('db') }, stdoutFile: file('log') },
  )
}

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// Any bound host (Fastify logs one line per address); the tests reach it over loopback.
const LISTENING = /Server listening at http:\/\/\S+:(\d+)$/

/** How a child process ended. */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** A real `node --import tsx src/server.ts` child, as an operator would run it. */
export interface ServerProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
  /** `http://127.0.0.1:PORT`, for fetch. */
  readonly url: string
  /** Every stdout line that parsed as pino JSON, in order; grows while the process runs. */
  readonly logs: Record<string, unknown>[]
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<Exit>
  /** Resolves with the first log line whose `msg` equals `msg` (already seen or yet to come). */
  logged(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Everything written to stderr so far. */
  stderr(): string
}

const live = new Set<ChildProcess>()
/** Servers a file shares between its tests (started in beforeAll): killed after the file. */
const shared = new Set<ChildProcess>()
const tempDirs: string[] = []

// No orphans: whatever a test did (or failed to do), its servers die with it, then their files go.
afterEach(async () => {
  const children = [...live]
  live.clear()
  await Promise.all(children.map(killHard))
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
afterAll(async () => {
  const children = [...shared]
  shared.clear()
  await Promise.all(children.map(killHard))
})
process.once('exit', () => {
  for (const child of [...live, ...shared]) child.kill('SIGKILL')
})

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await gone
}

/** A fresh database path in its own temporary directory, removed after the test. */
export function tempDbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobvisor-proc-'))
  tempDirs.push(dir)
  return join(dir, 'jobs.db')
}

/**
 * Spawns the server with `env` on top of a JOBVISOR_*-free environment (port 0 unless given) and
 * resolves once it listens. Rejects with its stderr if it exits or stays silent first.
 */
export async function startServer(
  env: Record<string, string>,
  {
    startTimeoutMs = 30_000,
    command = process.execPath,
    args = ['--import', 'tsx', 'src/server.ts'],
    cwd = ROOT,
    lifetime = 'test',
  }: {
    startTimeoutMs?: number
    /** What to run: node by default, or an executable such as the package's bin. */
    command?: string
    /** node's arguments; default: the server from source. The built one: ['dist/server.js']. */
    args?: string[]
    cwd?: string
    /** `file`: shared by a file's tests (started in beforeAll), killed after the last of them. */
    lifetime?: 'test' | 'file'
  } = {},
): Promise<ServerProcess> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('JOBVISOR_')),
  )
  const child = spawn(command, args, {
    cwd,
    env: { ...inherited, JOBVISOR_PORT: '0', JOBVISOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const owners = lifetime === 'file' ? shared : live
  owners.add(child)
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      owners.delete(child)
      resolve({ code, signal })
    }),
  )
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const logs: Record<string, unknown>[] = []
  const watchers = new Set<(line: Record<string, unknown>) => void>()
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: unknown
    try {
      line = JSON.parse(text)
    } catch {
      return // not pino output (e.g. a runtime warning): irrelevant here
    }
    if (typeof line !== 'object' || line === null) return
    const record = line as Record<string, unknown>
    logs.push(record)
    for (const watch of watchers) watch(record)
  })

  const logged = (msg: string, timeoutMs = startTimeoutMs) => {
    const seen = logs.find((l) => l.msg === msg)
    if (seen) return Promise.resolve(seen)
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        watchers.delete(watch)
      }
      const watch = (line: Record<string, unknown>) => {
        if (line.msg !== msg) return
        done()
        resolve(line)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no "${msg}" log line within ${timeoutMs} ms; stderr:\n${stderr}`))
      }, timeoutMs)
      watchers.add(watch)
      void exited.then(() => {
        if (!watchers.has(watch)) return
        done()
        reject(new Error(`server exited before logging "${msg}"; stderr:\n${stderr}`))
      })
    })
  }

  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not listen within ${startTimeoutMs} ms; stderr:\n${stderr}`)),
      startTimeoutMs,
    )
    const watch = (line: Record<string, unknown>) => {
      if (typeof line.msg !== 'string' || !LISTENING.test(line.msg)) return
      clearTimeout(timer)
      watchers.delete(watch)
      resolve(line)
    }
    watchers.add(watch)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening; stderr:\n${stderr}`))
    })
  })
  const port = Number(LISTENING.exec(String(listening.msg))?.[1])
  return {
    child,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    exited,
    logged,
    stderr: () => stderr,
  }
}

/** Resolves with the exit, or rejects if the process is still running after `timeoutMs`. */
export async function exitWithin(server: ServerProcess, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server still running after ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([server.exited, late])
  } finally {
    clearTimeout(timer)
  }
}

/** The fields of a job view these process tests look at. */
export interface JobJson {
  id: string
  state: string
  attempt: number
  runAt: string | null
  retry: { maxAttempts: number }
  error: { name: string; message: string; code?: string } | null
}

/** JSON over fetch: status, headers and parsed body (null when empty), typed by the caller. */
export async function call<T = unknown>(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T }
}

/** Every job in `states` (comma list), following `nextCursor` through pages of 500. */
export async function listAll(server: ServerProcess, states: string): Promise<JobJson[]> {
  const all: JobJson[] = []
  let cursor: string | null = null
  do {
    const query: string = `state=${states}&limit=500${cursor ? `&cursor=${cursor}` : ''}`
    const page = await call<{ items: JobJson[]; nextCursor: string | null }>(
      server,
      'GET',
      `/v1/jobs?${query}`,
    )
    if (page.status !== 200) throw new Error(`GET /v1/jobs?${query}: ${page.status}`)
    all.push(...page.body.items)
    cursor = page.body.nextCursor
  } while (cursor)
  return all
}

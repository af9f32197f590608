// QUALITY S2 and SPEC §8 config errors, against the real entry point (`node --import tsx src/server.ts`).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WRITE = 'writetoken-0123456789abcdef'
const STARTUP_MS = 15_000

interface Server {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
  /** Resolves with the listening port parsed from pino's "Server listening at http://host:PORT" line. */
  port(): Promise<number>
}

const started: ChildProcess[] = []
afterEach(() => {
  // Only our own children, by handle; one still running here means its test failed early.
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function startServer(env: Record<string, string>): Server {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('JOBVISOR_')),
  )
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...inherited, JOBVISOR_DB: ':memory:', JOBVISOR_PORT: '0', JOBVISOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const port = () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "Server listening" line within ${STARTUP_MS} ms:\n${output}`)),
        STARTUP_MS,
      )
      const check = () => {
        const match = /"msg":"Server listening at http:\/\/[^"]*:(\d+)"/.exec(output)
        if (!match?.[1]) return
        clearTimeout(timer)
        listeners.delete(check)
        resolve(Number(match[1]))
      }
      listeners.add(check)
      check()
      void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)))
    })
  return { child, output: () => output, exited, port }
}

describe('secure default (QUALITY S2)', () => {
  it('refuses a non-loopback host without tokens: exit 2, naming JOBVISOR_TOKENS and JOBVISOR_AUTH', async () => {
    // Refused before listen, so nothing is ever bound on 0.0.0.0 here.
    const server = startServer({ JOBVISOR_HOST: '0.0.0.0' })
    expect(await server.exited).toBe(2)
    expect(server.output()).toContain('JOBVISOR_TOKENS')
    expect(server.output()).toContain('JOBVISOR_AUTH=off')
    expect(server.output()).not.toContain('Server listening')
  })

  it('starts on a non-loopback host with JOBVISOR_AUTH=off, warns, and exits 0 on SIGTERM', async () => {
    const server = startServer({ JOBVISOR_HOST: '0.0.0.0', JOBVISOR_AUTH: 'off' })
    const port = await server.port()
    // Talk to it over loopback only.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${port}/v1/job-types`)).status).toBe(200)
    expect(server.output()).toContain('JOBVISOR_AUTH=off')
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('with tokens, the API needs one and the token never reaches the log', async () => {
    const server = startServer({ JOBVISOR_TOKENS: `${WRITE}:write` })
    const port = await server.port()
    const url = `http://127.0.0.1:${port}/v1/job-types`
    const denied = await fetch(url)
    expect(denied.status).toBe(401)
    expect(await denied.text()).not.toContain(WRITE)
    expect((await fetch(url, { headers: { authorization: `Bearer ${WRITE}` } })).status).toBe(200)
    expect((await fetch(url, { headers: { authorization: `Bearer ${WRITE}x` } })).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('"statusCode":401')
    expect(server.output()).not.toContain(WRITE)
  })
})

describe('bad configuration (SPEC §8)', () => {
  it.each<{ env: Record<string, string>; names: string; secret?: string }>([
    { env: { JOBVISOR_PORT: 'abc' }, names: 'JOBVISOR_PORT' },
    { env: { JOBVISOR_TOKENS: 'tooshortsecret:admin' }, names: 'JOBVISOR_TOKENS', secret: 'tooshortsecret' },
    { env: { JOBVISOR_AUTH: 'maybe' }, names: 'JOBVISOR_AUTH' },
  ])('a bad $names exits 2 and names the variable', async ({ env, names, secret }) => {
    const server = startServer(env)
    expect(await server.exited).toBe(2)
    expect(server.output()).toContain(names)
    // QUALITY S5: the message names the variable, never echoes a secret value.
    if (secret) expect(server.output()).not.toContain(secret)
  })
})

describe('JOBVISOR_DB (SPEC §10)', () => {
  it.each([
    ['mysql://root@127.0.0.1/jobs', 'unsupported scheme "mysql:"'],
    ['sqlite:jobs.db', 'unsupported scheme "sqlite:"'],
    [
      'postgres://postgres:sekrit-password@127.0.0.1:1/jobs',
      'cannot open postgres://postgres:%5Bredacted%5D@127.0.0.1:1/jobs',
    ],
  ])('%s exits 2 naming JOBVISOR_DB, creating nothing, never echoing a password', async (db, why) => {
    const server = startServer({ JOBVISOR_DB: db })
    expect(await server.exited).toBe(2)
    expect(server.output()).toContain('JOBVISOR_DB')
    expect(server.output()).toContain(why)
    expect(server.output()).not.toContain('sekrit')
    expect(existsSync(join(ROOT, db.slice(0, db.indexOf(':') + 1)))).toBe(false)
  })
})

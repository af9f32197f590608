import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const FIXTURES = join(ROOT, 'test', 'fixtures')
/** The built server, as `npx jobvisor` runs it (bin/jobvisor.mjs imports it). */
export const BUILT_SERVER = join(ROOT, 'dist', 'server.js')

const projects: string[] = []
afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A temporary folder laid out like a user's project: `node_modules/jobvisor` is a link to this
 * repository (whose package.json exports dist/, built by the global setup), and `copy` maps
 * paths (absolute, or under test/fixtures) to where they go in the project. Removed after the test.
 */
export function userProject(copy: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobvisor-user-'))
  projects.push(dir)
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'jobvisor'), 'dir')
  for (const [from, to] of Object.entries(copy))
    cpSync(isAbsolute(from) ? from : join(FIXTURES, from), join(dir, to), { recursive: true })
  return dir
}

export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `node args` in `cwd` with `env` over a JOBVISOR_*-free environment until it exits. */
export function runNode(args: string[], cwd: string, env: Record<string, string>): Promise<Finished> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('JOBVISOR_')),
  )
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  // A hang fails the test by its timeout; the child must not outlive it.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    }),
  )
}

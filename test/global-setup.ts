/**
 * Vitest global setup: the tests of SPEC §9 run jobvisor as a user's project does — the built
 * package (dist/, `import 'jobvisor'`) — so dist must match src. Builds once per test run, and
 * only when a source is newer than the last build (CI builds before testing; this costs nothing
 * there). A global setup runs once in the main process, so parallel test files never race a build.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
// Outside dist/, so the package (`files: ["dist"]`) never ships it.
const STAMP = join(ROOT, 'node_modules', '.cache', 'jobvisor-build-stamp')

function newestMtime(path: string): number {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

export default function setup(): void {
  const sources = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/copy-assets.mjs']
  const newest = Math.max(...sources.map((s) => newestMtime(join(ROOT, s))))
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest) return
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
  mkdirSync(dirname(STAMP), { recursive: true })
  writeFileSync(STAMP, `${new Date().toISOString()}\n`)
}

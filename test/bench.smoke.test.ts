import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { postgresPing, redisPing } from '../bench/lib/services.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SCENARIOS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10', 'pg', 'ui']

interface SmokeResults {
  scenarios: Record<
    string,
    { status: string; reason?: string; notes: string[]; figures: { median: number | null }[] }
  >
}

/** The services (and the browser) a scenario may lack, how a skip names each, and whether it is here. */
async function reachableServices(): Promise<{ name: string; pattern: RegExp; up: boolean }[]> {
  const [redis, postgres] = await Promise.all([redisPing(), postgresPing()])
  return [
    { name: 'Redis', pattern: /redis/i, up: redis },
    { name: 'PostgreSQL', pattern: /postgres/i, up: postgres },
    // Not a service, but the same kind of absence: the ui scenario needs Debian's Chromium.
    {
      name: 'Chromium',
      pattern: /chromium/i,
      up: existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    },
  ]
}

/**
 * Why a skip (a scenario's reason, or a partial one's `X: skipped: …` note) is not acceptable, or
 * null: only a service that is really unreachable excuses one.
 */
function unexcusedSkip(
  reason: string,
  services: { name: string; pattern: RegExp; up: boolean }[],
): string | null {
  const named = services.filter((s) => s.pattern.test(reason))
  if (named.length === 0) return `skipped for a reason that is not an unreachable service: ${reason}`
  const up = named.filter((s) => s.up)
  return up.length > 0
    ? `skipped although ${up.map((s) => s.name).join(' and ')} is reachable: ${reason}`
    : null
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** `npm run bench -- --quick --out DIR`, as a child; resolves with its exit code and output tail. */
function runQuickBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('exit', (code) => resolve({ code, output }))
  })
}

// Benchmarks prove nothing in CI (the bars are in bench/RESULTS.md); this only keeps them from rotting.
describe('bench quick mode', () => {
  it('runs every scenario and writes results, never touching bench/RESULTS.md', {
    timeout: 300_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'jobvisor-bench-smoke-'))
    dirs.push(out)
    const committed = join(ROOT, 'bench', 'results.json')
    const committedBefore = existsSync(committed) ? readFileSync(committed, 'utf8') : null

    const before = await reachableServices()
    const { code, output } = await runQuickBench(out)
    expect(code, output).toBe(0)
    // Reachable before or after (the bench starts a local Redis/PostgreSQL when it can).
    const after = await reachableServices()
    const services = before.map((s, i) => ({ ...s, up: s.up || (after[i]?.up ?? false) }))

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SmokeResults
    expect(Object.keys(results.scenarios).sort()).toEqual([...SCENARIOS].sort())
    for (const name of SCENARIOS) {
      const scenario = results.scenarios[name]
      // A missing Redis/PostgreSQL is a skip with a reason, never an error; any other skip fails.
      expect(['ok', 'partial', 'skipped'], `${name}: ${scenario?.reason}`).toContain(scenario?.status)
      const skips =
        scenario?.status === 'skipped'
          ? [scenario.reason ?? '']
          : (scenario?.notes ?? []).filter((n) => n.includes(': skipped: '))
      for (const reason of skips) expect(unexcusedSkip(reason, services), name).toBeNull()
      if (scenario?.status !== 'skipped')
        expect(
          scenario?.figures.some((f) => f.median !== null),
          name,
        ).toBe(true)
    }
    expect(existsSync(join(out, 'RESULTS.md'))).toBe(true)
    expect(existsSync(committed) ? readFileSync(committed, 'utf8') : null).toBe(committedBefore)
  })

  it('excuses a skip only by a service that is really unreachable', () => {
    const services = [
      { name: 'Redis', pattern: /redis/i, up: true },
      { name: 'PostgreSQL', pattern: /postgres/i, up: false },
    ]
    expect(unexcusedSkip('pgboss: skipped: PostgreSQL unreachable at postgres://x', services)).toBeNull()
    expect(unexcusedSkip('bullmq: skipped: Redis unreachable on 127.0.0.1:6379', services)).toMatch(
      /Redis is reachable/,
    )
    expect(unexcusedSkip('scheduler not available (GET /v1/schedules → 404)', services)).toMatch(
      /not an unreachable/,
    )
  })
})

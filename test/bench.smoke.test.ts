import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SCENARIOS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'ui']

interface SmokeResults {
  scenarios: Record<string, { status: string; reason?: string; figures: { median: number | null }[] }>
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
    const before = existsSync(committed) ? readFileSync(committed, 'utf8') : null

    const { code, output } = await runQuickBench(out)
    expect(code, output).toBe(0)

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SmokeResults
    expect(Object.keys(results.scenarios).sort()).toEqual(SCENARIOS)
    for (const name of SCENARIOS) {
      const scenario = results.scenarios[name]
      // A missing Redis/PostgreSQL (or a feature not built yet) is a skip with a reason, never an error.
      expect(['ok', 'partial', 'skipped'], `${name}: ${scenario?.reason}`).toContain(scenario?.status)
      if (scenario?.status === 'skipped') expect(scenario.reason).toBeTruthy()
      else
        expect(
          scenario?.figures.some((f) => f.median !== null),
          name,
        ).toBe(true)
    }
    expect(existsSync(join(out, 'RESULTS.md'))).toBe(true)
    expect(existsSync(committed) ? readFileSync(committed, 'utf8') : null).toBe(before)
  })
})
